#include "exec_list.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>

#include "cache.hpp"
#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "cni/validate.hpp"
#include "plugin_exec.hpp"
#include "result_convert.hpp"
#include "runtime_config.hpp"
#include "spec_version.hpp"

namespace cni::tool {

using nlohmann::json;

namespace {
// libcni's pluginDescription: type="x" name="y" (the plugin object's own name, if any).
std::string describe(const json& plugin) {
  std::string out = "type=" + json(plugin.value("type", "")).dump();
  if (auto n = plugin.find("name"); n != plugin.end() && n->is_string() && !n->empty()) {
    out += " name=" + n->dump();
  }
  return out;
}

// Finds and runs plugin `index` of the list, logging progress and timing when asked.
std::string run_plugin(const ConfList& list, std::size_t index, const Runtime& rt,
                       const Invocation& inv, const json& conf) {
  const json& plugin = list.plugins[index];
  std::string type = plugin.value("type", "");
  std::string path = find_plugin(type, rt.cni_path, "plugins[" + std::to_string(index) + "].type");
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - start;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", d.count());
    return std::string(buf);
  };
  if (rt.log) {
    *rt.log << "cnitool: " << inv.command << " " << list.name << ": plugin " << index + 1 << "/"
            << list.plugins.size() << " " << describe(plugin) << " (" << path << ")\n";
  }
  try {
    std::string out = exec_plugin(path, inv, conf.dump());
    if (rt.log) *rt.log << "cnitool:   ok in " << elapsed() << "\n";
    return out;
  } catch (const Error&) {
    if (rt.log) *rt.log << "cnitool:   failed in " << elapsed() << "\n";
    throw;
  }
}

Invocation invocation(const char* command, const Runtime& rt) {
  return {command, rt.container_id, rt.netns, rt.ifname, rt.args, rt.cni_path};
}

// The cached result of this attachment at the list's version; null when there is none.
json cached_result(const ConfList& list, const Runtime& rt, Version version) {
  auto text = read_cache_file(rt.cache_dir, list.name, rt.container_id, rt.ifname);
  if (!text) return nullptr;
  json raw = cached_result_json(*text);
  if (raw.is_null()) return nullptr;
  return convert_result(raw, Version::V0_1_0, version, "cached result");
}

// Whether the list's version is at least `min`; an unparsable version counts as older, as
// libcni's GC and STATUS do.
bool at_least(const ConfList& list, const std::string& min) {
  try {
    return version_at_least(list.cni_version, min);
  } catch (const Error&) {
    return false;
  }
}
}  // namespace

json add_network_list(const ConfList& list, const Runtime& rt) {
  const Version version = known_version(list.cni_version);
  json result = nullptr;
  for (std::size_t i = 0; i < list.plugins.size(); ++i) {
    try {
      validate_container_id(rt.container_id);
      validate_network_name(list.name);
      validate_ifname(rt.ifname);
      json conf =
          plugin_config(list.plugins[i], list.name, list.cni_version, result, rt.capability_args);
      std::string out = run_plugin(list, i, rt, invocation("ADD", rt), conf);
      json raw = json::parse(out, nullptr, false);
      if (raw.is_discarded()) throw Error(Code::DecodingFailure, "result is not valid JSON");
      result = convert_result(raw, version, version, "result");
    } catch (const Error& e) {
      throw e.wrap("plugin " + describe(list.plugins[i]) + " failed (add)");
    }
  }
  CachedInfo info{rt.container_id, list.bytes, rt.ifname,          list.name,
                  rt.netns,        rt.args,    rt.capability_args, result};
  try {
    write_cache(rt.cache_dir, info);
  } catch (const Error& e) {
    throw e.wrap("failed to set network \"" + list.name + "\" cached result");
  }
  return result;
}

void check_network_list(const ConfList& list, const Runtime& rt) {
  if (!version_at_least(list.cni_version, "0.4.0")) {
    throw Error(Code::IncompatibleVersion, "configuration version \"" + list.cni_version +
                                               "\" does not support the CHECK command");
  }
  if (list.disable_check) return;
  json cached;
  try {
    cached = cached_result(list, rt, known_version(list.cni_version));
  } catch (const Error& e) {
    throw e.wrap("failed to get network \"" + list.name + "\" cached result");
  }
  if (cached.is_null()) {
    throw Error(Code::InvalidConfig,
                "failed to get network \"" + list.name +
                    "\" cached result: no cached result for container " + rt.container_id +
                    " ifname " + rt.ifname,
                "CHECK needs a previous ADD through this cache directory");
  }
  for (std::size_t i = 0; i < list.plugins.size(); ++i) {
    json conf =
        plugin_config(list.plugins[i], list.name, list.cni_version, cached, rt.capability_args);
    try {
      run_plugin(list, i, rt, invocation("CHECK", rt), conf);
    } catch (const Error& e) {
      throw e.wrap("plugin " + describe(list.plugins[i]) + " failed (check)");
    }
  }
}

void del_network_list(const ConfList& list, const Runtime& rt) {
  json cached = nullptr;
  if (version_at_least(list.cni_version, "0.4.0")) {
    try {
      cached = cached_result(list, rt, known_version(list.cni_version));
    } catch (const Error& e) {
      if (rt.log) *rt.log << "cnitool: ignoring unusable cache entry: " << e.msg() << "\n";
      remove_cache(rt.cache_dir, list.name, rt.container_id, rt.ifname);
    }
  }
  for (std::size_t i = list.plugins.size(); i-- > 0;) {
    json conf =
        plugin_config(list.plugins[i], list.name, list.cni_version, cached, rt.capability_args);
    try {
      run_plugin(list, i, rt, invocation("DEL", rt), conf);
    } catch (const Error& e) {
      throw e.wrap("plugin " + describe(list.plugins[i]) + " failed (delete)");
    }
  }
  remove_cache(rt.cache_dir, list.name, rt.container_id, rt.ifname);
}

void gc_network_list(const ConfList& list, const Runtime& rt,
                     const std::optional<std::vector<Attachment>>& valid) {
  if (list.disable_gc) return;
  auto cached = cached_attachments(rt.cache_dir);
  if (!cached) {
    if (rt.log)
      *rt.log << "cnitool: GC: cannot list " << rt.cache_dir << "/results, nothing done\n";
    return;
  }
  ErrorList errors;
  for (const auto& entry : *cached) {
    if (entry.network_name != list.name) continue;
    Attachment a{entry.container_id, entry.ifname};
    if (valid && std::find(valid->begin(), valid->end(), a) != valid->end()) continue;
    Runtime stale = rt;
    stale.container_id = entry.container_id;
    stale.netns = entry.netns;
    stale.ifname = entry.ifname;
    stale.args = entry.cni_args;
    stale.capability_args = entry.capability_args;
    try {
      del_network_list(list, stale);
    } catch (const Error& e) {
      errors.add(e.wrap("failed to delete stale attachment " + a.container_id + " " + a.ifname));
    }
  }
  if (at_least(list, "1.1.0")) {
    json extra = json::object();
    if (valid) {
      json attachments = json::array();
      for (const auto& a : *valid)
        attachments.push_back({{"containerID", a.container_id}, {"ifname", a.ifname}});
      extra["cni.dev/valid-attachments"] = attachments;
      extra["cni.dev/attachments"] = attachments;
    }
    Runtime none;
    none.cni_path = rt.cni_path;
    for (std::size_t i = 0; i < list.plugins.size(); ++i) {
      try {
        json conf = plugin_config_plain(list.plugins[i], list.name, list.cni_version, extra);
        run_plugin(list, i, rt, invocation("GC", none), conf);
      } catch (const Error& e) {
        errors.add(e.wrap("failed to GC plugin " + list.plugins[i].value("type", "")));
      }
    }
  }
  errors.throw_if_any();
}

void status_network_list(const ConfList& list, const Runtime& rt) {
  if (!at_least(list, "1.1.0")) return;
  Runtime none;
  none.cni_path = rt.cni_path;
  for (std::size_t i = 0; i < list.plugins.size(); ++i) {
    json conf = plugin_config_plain(list.plugins[i], list.name, list.cni_version, json::object());
    run_plugin(list, i, rt, invocation("STATUS", none), conf);
  }
}

std::optional<std::vector<Attachment>> cached_attachments_of(const std::string& cache_dir,
                                                             const std::string& network) {
  auto cached = cached_attachments(cache_dir);
  if (!cached) return std::nullopt;
  std::vector<Attachment> out;
  for (const auto& entry : *cached)
    if (entry.network_name == network) out.push_back({entry.container_id, entry.ifname});
  return out;
}

}  // namespace cni::tool

#include "cni/skel.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "cni/key_fold.hpp"
#include "cni/validate.hpp"
#include "log/log.hpp"

#ifndef CNI_PLUGINS_VERSION
#define CNI_PLUGINS_VERSION "unknown"
#endif

namespace cni {

using nlohmann::json;

std::string_view to_string(Command c) {
  switch (c) {
    case Command::Add:
      return "ADD";
    case Command::Del:
      return "DEL";
    case Command::Check:
      return "CHECK";
    case Command::Version:
      return "VERSION";
    case Command::Status:
      return "STATUS";
    case Command::Gc:
      return "GC";
  }
  return "?";
}

namespace {

std::optional<Command> parse_command(std::string_view s) {
  for (auto c : {Command::Add, Command::Del, Command::Check, Command::Version, Command::Status,
                 Command::Gc}) {
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

bool needs_container(Command c) {
  return c == Command::Add || c == Command::Del || c == Command::Check;
}

bool is_truthy(const std::optional<std::string>& v) {
  return v && (*v == "1" || *v == "true" || *v == "TRUE" || *v == "True");
}

std::string env_or_empty(const Io& io, const std::string& name) {
  auto v = io.getenv(name);
  return v ? *v : std::string();
}

// The spec's required variables per command (SPEC.md section 2; CNI_PATH is optional there
// for ADD/DEL/CHECK, and a plugin that delegates checks it when it needs it).
void require_env(Command cmd, const Io& io) {
  std::vector<std::string> missing;
  auto need = [&](const char* name, bool required) {
    if (required && env_or_empty(io, name).empty()) missing.emplace_back(name);
  };
  need("CNI_CONTAINERID", needs_container(cmd));
  need("CNI_NETNS", cmd == Command::Add || cmd == Command::Check);
  need("CNI_IFNAME", needs_container(cmd));
  if (missing.empty()) return;
  std::string joined;
  for (const auto& m : missing)
    joined += (joined.empty() ? "" : ",") + m;
  throw Error(Code::InvalidEnvironment, "required env variables [" + joined + "] missing");
}

std::string read_all(std::istream& in) {
  std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw Error(Code::IoFailure, "error reading network configuration from stdin");
  return data;
}

// Go's decoder refuses JSON nested deeper than 10000 levels ("exceeded max depth"). nlohmann
// parses any depth, but copying the tree (NetConf::raw) recurses once per level: a config of
// 100000 nested arrays overflowed the stack.
constexpr std::size_t kMaxNesting = 10000;

// The deepest nesting of arrays and objects; brackets inside strings do not count.
std::size_t nesting_depth(std::string_view data) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : data) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// A result's keys (prevResult), every version's.
constexpr std::string_view kResultShape = R"({
  "cniVersion": null,
  "interfaces": [{"name": null, "mac": null, "mtu": null, "sandbox": null, "socketPath": null,
                  "pciID": null}],
  "ips": [{"version": null, "interface": null, "address": null, "gateway": null}],
  "routes": [{"dst": null, "gw": null, "mtu": null, "advmss": null, "priority": null,
              "table": null, "scope": null}],
  "dns": {"nameservers": null, "domain": null, "search": null, "options": null},
  "ip4": {"ip": null, "gateway": null, "routes": [{"dst": null, "gw": null}]},
  "ip6": {"ip": null, "gateway": null, "routes": [{"dst": null, "gw": null}]}
})";

// The keys every config shares (libcni's types.NetConf and the GC list), plus our logging keys.
constexpr std::string_view kCommonShape = R"({
  "cniVersion": null, "name": null, "type": null, "capabilities": {"*": null},
  "ipam": {"type": null},
  "dns": {"nameservers": null, "domain": null, "search": null, "options": null},
  "runtimeConfig": {}, "args": {}, "prevResult": null,
  "cni.dev/valid-attachments": [{"containerID": null, "ifname": null}],
  "cni.dev/attachments": [{"containerID": null, "ifname": null}],
  "logFile": null, "logLevel": null
})";

const json& common_shape() {
  static const json shape = [] {
    json s = parse_shape(kCommonShape);
    s["prevResult"] = parse_shape(kResultShape);
    return s;
  }();
  return shape;
}

// The config as the plugin reads it: keys folded to the spelling of `shape` (key_fold.hpp).
json parse_object(const std::string& data, const json& shape) {
  if (nesting_depth(data) > kMaxNesting) {
    throw Error(Code::DecodingFailure, "error parsing network configuration from stdin",
                "exceeded max depth of " + std::to_string(kMaxNesting) + " nested arrays/objects");
  }
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(data);
  } catch (const nlohmann::ordered_json::exception& e) {
    // parse_error, and out_of_range for a number beyond double ("1e400").
    throw Error(Code::DecodingFailure, "error parsing network configuration from stdin", e.what());
  }
  if (!doc.is_object()) {
    throw Error(Code::DecodingFailure, "network configuration on stdin is not a JSON object");
  }
  return fold_keys(doc, shape);
}

// cniVersion: absent means 0.1.0 (libcni pkg/types/create); otherwise it must be supported
// exactly (pkg/version/reconcile.go).
Version config_version(const json& j) {
  auto it = j.find("cniVersion");
  if (it == j.end() || it->is_null()) return Version::V0_1_0;
  if (!it->is_string()) throw Error(Code::DecodingFailure, "cniVersion: must be a string");
  const auto& text = it->get_ref<const std::string&>();
  if (text.empty()) return Version::V0_1_0;
  auto v = parse_version(text);
  if (!v) {
    throw Error(Code::IncompatibleVersion, "cniVersion: incompatible CNI versions",
                "config is \"" + text + "\", plugin supports " + supported_versions_list());
  }
  return *v;
}

std::string optional_string(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) throw Error(Code::DecodingFailure, std::string(key) + ": must be a string");
  return it->get<std::string>();
}

json optional_object(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  if (!it->is_object()) {
    throw Error(Code::DecodingFailure, std::string(key) + ": must be a JSON object");
  }
  return *it;
}

// prevResult is in the config's version (SPEC.md); a result that names its own supported
// version is read as that version.
std::optional<Result> parse_prev_result(const json& j, Version conf_version) {
  auto it = j.find("prevResult");
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) throw Error(Code::DecodingFailure, "prevResult: must be a JSON object");
  Version v = conf_version;
  if (auto pv = it->find("cniVersion"); pv != it->end() && !pv->is_null() && !pv->is_string()) {
    throw Error(Code::DecodingFailure, "prevResult.cniVersion: must be a string");
  }
  if (auto pv = it->find("cniVersion"); pv != it->end() && pv->is_string()) {
    auto parsed = parse_version(pv->get<std::string>());
    if (!parsed) {
      throw Error(Code::IncompatibleVersion,
                  "prevResult: unsupported cniVersion \"" + pv->get<std::string>() + "\"",
                  "plugin supports " + supported_versions_list());
    }
    v = *parsed;
  }
  return parse_result(*it, v, "prevResult");
}

NetConf parse_net_conf(const json& j) {
  NetConf c;
  c.raw = j;
  c.version = config_version(j);
  c.name = optional_string(j, "name");
  validate_network_name(c.name);
  c.type = optional_string(j, "type");
  if (c.type.empty()) throw Error(Code::InvalidConfig, "type: missing plugin type");
  c.ipam = optional_object(j, "ipam");
  if (auto dns = optional_object(j, "dns"); !dns.is_null()) c.dns = parse_dns(dns, "dns");
  c.runtime_config = optional_object(j, "runtimeConfig");
  (void)optional_object(j, "args");
  c.prev_result = parse_prev_result(j, c.version);
  return c;
}

log::Settings log_settings_from(const json& j) {
  log::Settings s;
  if (auto f = optional_string(j, "logFile"); !f.empty()) s.file = f;
  if (auto l = optional_string(j, "logLevel"); !l.empty()) s.level = l;
  return s;
}

void check_version_allows(Command cmd, Version v) {
  if (cmd == Command::Check && !supports_check(v)) {
    throw Error(Code::IncompatibleVersion,
                "cniVersion: \"" + std::string(to_string(v)) + "\" does not allow CHECK",
                "CHECK needs cniVersion 0.4.0 or later");
  }
  if ((cmd == Command::Status || cmd == Command::Gc) && !supports_gc_status(v)) {
    throw Error(Code::IncompatibleVersion,
                "cniVersion: \"" + std::string(to_string(v)) + "\" does not allow " +
                    std::string(to_string(cmd)),
                "STATUS and GC need cniVersion 1.1.0 or later");
  }
}

// Opens CNI_NETNS. ADD and CHECK need a live namespace. DEL tolerates a missing one (and one
// that is no longer a namespace, e.g. an unmounted bind-mount file) and then cleans up only
// what lives outside it. Pointing at the plugin's own namespace is refused for ADD/CHECK;
// for DEL it is treated as "gone": a recycled /proc/<pid>/ns/net must never reconfigure the
// host (plugins#714).
std::optional<netns::Handle> open_netns(Command cmd, const std::string& path, bool override_own) {
  if (path.empty()) return std::nullopt;
  std::optional<netns::Handle> ns;
  try {
    ns = netns::Handle::open(path);
  } catch (const Error& e) {
    if (cmd == Command::Del) {
      spdlog::warn("CNI_NETNS \"{}\" is not usable ({}); cleaning up outside it", path, e.msg());
      return std::nullopt;
    }
    throw e.wrap("CNI_NETNS");
  }
  if (!ns) {
    if (cmd == Command::Del) {
      spdlog::info("CNI_NETNS \"{}\" no longer exists; cleaning up outside it", path);
      return std::nullopt;
    }
    throw Error(Code::InvalidEnvironment,
                "CNI_NETNS: network namespace \"" + path + "\" does not exist");
  }
  if (!override_own && ns->same_as(netns::Handle::current())) {
    if (cmd == Command::Del) {
      spdlog::warn("CNI_NETNS \"{}\" is this plugin's own namespace; not entering it", path);
      return std::nullopt;
    }
    throw Error(Code::InvalidNetns,
                "CNI_NETNS: \"" + path + "\" is the plugin's own network namespace",
                "refusing to configure the host; set CNI_NETNS_OVERRIDE=1 if this is intended");
  }
  return ns;
}

std::vector<Attachment> parse_attachments(const json& j) {
  auto it = j.find("cni.dev/valid-attachments");
  const char* key = "cni.dev/valid-attachments";
  if (it == j.end()) {
    it = j.find("cni.dev/attachments");
    key = "cni.dev/attachments";
  }
  if (it == j.end()) {
    // Without the list every reservation would look stale: refuse rather than release all.
    throw Error(Code::InvalidConfig, "GC: cni.dev/valid-attachments is missing");
  }
  if (!it->is_array()) throw Error(Code::DecodingFailure, std::string(key) + ": must be a list");
  std::vector<Attachment> out;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& a = (*it)[i];
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    if (!a.is_object()) throw Error(Code::DecodingFailure, field + ": must be an object");
    auto cid = a.find("containerID");
    auto ifn = a.find("ifname");
    if (cid == a.end() || !cid->is_string() || ifn == a.end() || !ifn->is_string()) {
      throw Error(Code::DecodingFailure, field + ": needs string containerID and ifname");
    }
    out.push_back({cid->get<std::string>(), ifn->get<std::string>()});
  }
  return out;
}

void print_version(const std::string& data, std::ostream& out) {
  std::string version(to_string(kLatestVersion));
  auto doc = nlohmann::ordered_json::parse(data, nullptr, false);
  json j = doc.is_object() ? fold_keys(doc, common_shape()) : json();
  if (j.is_object()) {
    if (auto it = j.find("cniVersion"); it != j.end() && it->is_string()) {
      if (parse_version(it->get<std::string>())) version = it->get<std::string>();
    }
  }
  json versions = json::array();
  for (auto v : kAllVersions)
    versions.push_back(std::string(to_string(v)));
  out << json{{"cniVersion", version}, {"supportedVersions", versions}}.dump(4) << "\n";
}

void print_error(std::ostream& out, const std::string& version, const Error& e) {
  json j = {{"cniVersion", version}, {"code", static_cast<unsigned>(e.code())}, {"msg", e.msg()}};
  if (!e.details().empty()) j["details"] = e.details();
  out << j.dump(4, ' ', false, json::error_handler_t::replace) << "\n";
}

struct Dispatch {
  const PluginFuncs& funcs;
  std::string_view plugin;
  Io& io;
  std::string error_version = std::string(to_string(kLatestVersion));

  int operator()() {
    auto cmd_text = io.getenv("CNI_COMMAND");
    if (!cmd_text || cmd_text->empty()) {
      io.err << "CNI " << plugin << " plugin " << CNI_PLUGINS_VERSION
             << "\nCNI protocol versions supported: " << supported_versions_list() << "\n";
      return 0;
    }
    auto cmd = parse_command(*cmd_text);
    if (!cmd) {
      throw Error(Code::InvalidEnvironment, "CNI_COMMAND: unknown command \"" + *cmd_text + "\"",
                  "expected ADD, DEL, CHECK, VERSION, STATUS or GC");
    }
    require_env(*cmd, io);
    std::string data = read_all(io.in);
    if (*cmd == Command::Version) {
      print_version(data, io.out);
      return 0;
    }

    Request req;
    req.command = *cmd;
    req.getenv = io.getenv;
    req.stdin_data = std::move(data);
    json j = parse_object(req.stdin_data, merge_shapes(common_shape(), parse_shape(funcs.keys)));
    Version v = config_version(j);
    error_version = std::string(to_string(v));
    log::apply(log_settings_from(j));
    req.conf = parse_net_conf(j);
    check_version_allows(*cmd, v);

    req.args = CniArgs::parse(env_or_empty(io, "CNI_ARGS"));
    req.cni_path = split_cni_path(env_or_empty(io, "CNI_PATH"));
    if (needs_container(*cmd)) {
      req.container_id = env_or_empty(io, "CNI_CONTAINERID");
      validate_container_id(req.container_id);
      req.ifname = env_or_empty(io, "CNI_IFNAME");
      validate_ifname(req.ifname);
      req.netns_path = env_or_empty(io, "CNI_NETNS");
      if (funcs.opens_netns) {
        req.netns = open_netns(*cmd, req.netns_path, is_truthy(io.getenv("CNI_NETNS_OVERRIDE")));
      }
    }
    spdlog::debug("{} network={} container={} ifname={} netns={}", to_string(*cmd), req.conf.name,
                  req.container_id, req.ifname, req.netns_path);
    return call(req);
  }

  int call(Request& req) {
    switch (req.command) {
      case Command::Add: {
        if (!funcs.add) throw Error(Code::Internal, "plugin does not implement ADD");
        Result r = funcs.add(req);
        json out = render_result(r, req.conf.version);
        if (!r.undo_note.empty() && io.getenv(kUndoInfoEnv)) out[kUndoNoteKey] = r.undo_note;
        io.out << out.dump(4) << "\n";
        return 0;
      }
      case Command::Del:
        if (funcs.del) funcs.del(req);
        return 0;
      case Command::Check:
        if (!funcs.check) throw Error(Code::Internal, "plugin does not implement CHECK");
        funcs.check(req);
        return 0;
      case Command::Status:
        if (funcs.status) funcs.status(req);
        return 0;
      case Command::Gc:
        req.valid_attachments = parse_attachments(req.conf.raw);
        if (funcs.gc) funcs.gc(req);
        return 0;
      case Command::Version:
        break;
    }
    return 0;
  }
};

}  // namespace

std::vector<std::string> split_cni_path(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int run(const PluginFuncs& funcs, std::string_view plugin_name, Io io) noexcept {
  Dispatch d{funcs, plugin_name, io};
  try {
    try {
      return d();
    } catch (const Error& e) {
      spdlog::error("{}{}{}", e.msg(), e.details().empty() ? "" : ": ", e.details());
      print_error(io.out, d.error_version, e);
    } catch (const std::exception& e) {
      spdlog::error("internal error: {}", e.what());
      print_error(io.out, d.error_version, Error(Code::Internal, e.what()));
    } catch (...) {
      print_error(io.out, d.error_version, Error(Code::Internal, "unknown internal error"));
    }
    io.out.flush();
  } catch (...) {
    // Printing itself failed (e.g. stdout closed); the exit code still reports the failure.
  }
  return 1;
}

int run_main(const PluginFuncs& funcs, std::string_view plugin_name) noexcept {
  try {
    auto getenv = [](const std::string& name) -> std::optional<std::string> {
      const char* v = ::getenv(name.c_str());
      if (!v) return std::nullopt;
      return std::string(v);
    };
    log::Settings settings;
    settings.file = getenv("CNI_LOG_FILE");
    settings.level = getenv("CNI_LOG_LEVEL");
    log::init(plugin_name, settings);

    // VERSION from a terminal has nothing to read: do not wait for stdin.
    std::istringstream empty;
    bool interactive_version =
        getenv("CNI_COMMAND") == std::optional<std::string>("VERSION") && ::isatty(STDIN_FILENO);
    Io io{getenv, interactive_version ? static_cast<std::istream&>(empty) : std::cin, std::cout,
          std::cerr};
    int rc = run(funcs, plugin_name, io);
    std::cout.flush();
    return rc;
  } catch (...) {
    return 1;
  }
}

}  // namespace cni

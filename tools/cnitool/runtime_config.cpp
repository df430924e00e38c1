#include "runtime_config.hpp"

namespace cni::tool {

using nlohmann::json;

json runtime_config(const json& plugin, const json& capability_args) {
  json rc = json::object();
  auto caps = plugin.find("capabilities");
  if (caps == plugin.end() || !caps->is_object() || !capability_args.is_object()) return rc;
  for (const auto& [capability, supported] : caps->items()) {
    if (!supported.is_boolean() || !supported.get<bool>()) continue;
    if (auto arg = capability_args.find(capability); arg != capability_args.end()) {
      rc[capability] = *arg;
    }
  }
  return rc;
}

json plugin_config(const json& plugin, const std::string& name, const std::string& cni_version,
                   const json& prev_result, const json& capability_args) {
  json conf = plugin_config_plain(plugin, name, cni_version, json::object());
  if (!prev_result.is_null()) conf["prevResult"] = prev_result;
  json rc = runtime_config(plugin, capability_args);
  if (!rc.empty()) conf["runtimeConfig"] = std::move(rc);
  return conf;
}

json plugin_config_plain(const json& plugin, const std::string& name,
                         const std::string& cni_version, const json& extra) {
  json conf = plugin;
  conf["name"] = name;
  conf["cniVersion"] = cni_version;
  conf.erase("capabilities");  // the spec: runtimes must not pass it on
  for (const auto& [key, value] : extra.items())
    conf[key] = value;
  return conf;
}

}  // namespace cni::tool

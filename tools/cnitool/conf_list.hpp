#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cni::tool {

/// A network configuration list as libcni's NetworkConfigList: the top-level keys that drive
/// the runner, each plugin object as parsed, and the bytes it was read from (cached on ADD).
struct ConfList {
  std::string name;
  std::string cni_version;  // the selected version (cniVersions applied); may be ""
  bool disable_check = false;
  bool disable_gc = false;
  bool load_only_inlined_plugins = false;
  std::vector<nlohmann::json> plugins;  // objects, each with a non-empty string "type"
  std::string bytes;
};

/// Parses a .conflist (libcni NetworkConfFromBytes). `plugins` may be absent when plugins come
/// from `<dir>/<name>/*.conf` (unless loadOnlyInlinedPlugins). `disableCheck`, `disableGC` and
/// `loadOnlyInlinedPlugins` accept booleans and the strings "true"/"false" in any case. Throws
/// cni::Error: DecodingFailure for bad JSON, InvalidConfig for a bad structure, naming `source`.
ConfList parse_conf_list(const std::string& bytes, const std::string& source);

/// Parses one plugin object (a .conf file, or a file under `<dir>/<name>/`): a JSON object with
/// a non-empty string "type". Throws cni::Error naming `source`.
nlohmann::json parse_plugin_conf(const std::string& bytes, const std::string& source);

/// libcni's ConfListFromConf: a single-plugin .conf turned into a one-plugin list named after
/// the conf, at the conf's cniVersion, whose bytes are that list serialised.
ConfList conf_list_from_conf(const nlohmann::json& conf, const std::string& source);

}  // namespace cni::tool

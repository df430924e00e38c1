#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cni::tool {

/// The `runtimeConfig` a plugin gets (libcni injectRuntimeConfig): the entries of
/// `capability_args` (an object, or null) whose key the plugin declares true in its
/// `capabilities`. An empty object when there are none.
nlohmann::json runtime_config(const nlohmann::json& plugin, const nlohmann::json& capability_args);

/// The config a plugin reads on stdin for ADD, CHECK and DEL (libcni buildOneConfig + the
/// spec's "deriving execution configuration"): the plugin object with the list's `name` and
/// `cniVersion`, `prevResult` when not null, `runtimeConfig` when some capability matched
/// (otherwise the plugin's own `runtimeConfig`, if any, stays), and no `capabilities`.
nlohmann::json plugin_config(const nlohmann::json& plugin, const std::string& name,
                             const std::string& cni_version, const nlohmann::json& prev_result,
                             const nlohmann::json& capability_args);

/// The config for GC and STATUS (libcni GCNetworkList / GetStatusNetworkList): the plugin
/// object with `name`, `cniVersion` and the entries of `extra` (e.g. the GC attachments), and
/// no `capabilities`.
nlohmann::json plugin_config_plain(const nlohmann::json& plugin, const std::string& name,
                                   const std::string& cni_version, const nlohmann::json& extra);

}  // namespace cni::tool

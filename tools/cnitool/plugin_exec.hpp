#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cni::tool {

/// The protocol parameters of one plugin execution (libcni invoke.Args).
struct Invocation {
  std::string command;  // "ADD", "DEL", "CHECK", "GC", "STATUS"
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS pairs
  std::vector<std::string> cni_path;
};

/// The plugin's environment: `base` (KEY=VALUE strings) without any CNI_COMMAND,
/// CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH, then those six from `inv`
/// (empty ones too, as libcni). Pure.
std::vector<std::string> plugin_env(const Invocation& inv, const std::vector<std::string>& base);

/// The process environment as KEY=VALUE strings.
std::vector<std::string> process_env();

/// Runs the plugin at `path` with `stdin_data` and plugin_env(inv, process_env()), its stderr
/// passed through; returns its stdout. On a non-zero exit throws the cni::Error the plugin
/// printed (its code, msg and details), or cni::Error(Internal) describing the failure when
/// it printed none.
std::string exec_plugin(const std::string& path, const Invocation& inv,
                        const std::string& stdin_data);

}  // namespace cni::tool

#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "exec_list.hpp"

namespace cni::tool {

enum class ToolCommand { Add, Check, Del, Gc, Status };

/// Everything one cnitool run needs, from its arguments and environment.
struct Options {
  ToolCommand command = ToolCommand::Add;
  std::string network;
  std::string netconf_dir;  // NETCONFPATH, default /etc/cni/net.d
  bool verbose = false;
  Runtime runtime;  // netns absolute ("" for gc/status without one); log left unset
};

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

/// Reads `cnitool [-v] add|check|del|gc|status <net> <netns>` (the netns is optional for gc and
/// status) and NETCONFPATH, CNI_PATH, CNI_IFNAME (default eth0; set but empty stays empty, as
/// upstream), CNI_ARGS (K=V;K=V, no empty key or value), CAP_ARGS (a JSON object),
/// CNI_CONTAINERID (default: derived from the netns path as upstream) and CNI_CACHE_DIR
/// (default /var/lib/cni). `args` excludes the program name; `cwd` makes the netns absolute.
/// nullopt when the arguments do not fit (print the usage); throws cni::Error for a bad
/// environment variable.
std::optional<Options> parse_options(const std::vector<std::string>& args, const Getenv& getenv,
                                     const std::string& cwd);

}  // namespace cni::tool

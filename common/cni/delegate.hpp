#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cni/skel.hpp"

namespace cni {

/// The executable named `type` in the CNI_PATH directories (first match). `field` names the
/// config key in errors ("ipam.type"). Throws InvalidConfig for a name that is not a plain file
/// name or is found nowhere, InvalidEnvironment when CNI_PATH is empty.
std::string find_plugin(std::string_view type, const std::vector<std::string>& cni_path,
                        std::string_view field);

/// Runs the delegated plugin `type` (an IPAM plugin) as the spec says: same environment with
/// CNI_COMMAND = `command`, the full config of `req` on stdin, its stderr passed through.
/// Returns the parsed result for ADD (canonical form); nothing for the other commands. A
/// delegate's CNI error is rethrown with its code and its message prefixed by `type`.
Result delegate_add(const Request& req, std::string_view type);
void delegate_call(const Request& req, std::string_view type, Command command);

}  // namespace cni

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cni/skel.hpp"
#include "sys/process.hpp"

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

/// The same call started now and collected later, so that the caller's own work (creating
/// links) overlaps the delegate's start-up and run. Destroyed uncollected, the delegate is
/// killed and reaped. Move-only.
class DelegateCall {
 public:
  /// Finds and starts `type`; throws what delegate_call would for a missing plugin.
  DelegateCall(const Request& req, std::string_view type, Command command);
  /// Waits for it and returns its result (ADD), as delegate_add.
  Result add_result();
  /// Waits for it, as delegate_call.
  void wait();
  /// Waits for it if it is still running and ignores how it ended (for rollback paths).
  void settle() noexcept;

 private:
  std::string finish();

  std::string type_;
  Command command_;
  Version version_;
  sys::Child child_;
};

}  // namespace cni

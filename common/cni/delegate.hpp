#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/in_process.hpp"
#include "cni/skel.hpp"
#include "sys/process.hpp"

namespace cni {

// Undoing a failed ADD exactly. Our plugins ask the IPAM plugin for a note (env
// kUndoInfoEnv=1 on ADD); our host-local answers with it under kUndoNoteKey in its result
// (what it found before reserving: whether it created the network's directory, the previous
// last_reserved_ip of each range set). When the plugin's ADD then fails, it passes the note
// back on the undoing DEL (env kUndoAddEnv=<note>), and host-local puts its data directory back
// as it was. Any other IPAM plugin ignores both variables; the note never reaches a runtime.
inline constexpr const char* kUndoInfoEnv = "CNI_CPP_UNDO_INFO";
inline constexpr const char* kUndoAddEnv = "CNI_CPP_UNDO_ADD";
inline constexpr const char* kUndoNoteKey = "cni-plugins-cpp/undo";
// The delegating plugin's pid, set on ADD: our host-local refuses to reserve once its caller is
// gone (getppid() differs). Read from the environment, not from getppid() at start-up, because
// a caller killed before the delegate's first instruction would already have been replaced.
inline constexpr const char* kCallerPidEnv = "CNI_CPP_CALLER_PID";

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
/// DEL of the delegate, undoing this plugin's failed ADD: delegate_call(DEL) with the IPAM's
/// undo note (may be empty) in kUndoAddEnv.
void delegate_undo_add(const Request& req, std::string_view type, const std::string& note);

/// The same call started now and collected later, so that the caller's own work (creating
/// links) overlaps the delegate's start-up and run: a process, or a thread when the delegate
/// is this same executable (cni/in_process.hpp). Destroyed uncollected, a process is killed
/// and reaped, a thread joined. Move-only.
class DelegateCall {
 public:
  /// Finds and starts `type`; throws what delegate_call would for a missing plugin.
  DelegateCall(const Request& req, std::string_view type, Command command,
               const std::string& undo_note = {});
  /// Waits for it and returns its result (ADD), as delegate_add.
  Result add_result();
  /// Waits for it, as delegate_call.
  void wait();
  /// Waits for it if it is still running and ignores how it ended (for rollback paths).
  void settle() noexcept;
  /// The undo note of a successful ADD (after add_result() or settle()); "" when none.
  const std::string& undo_note() const noexcept { return note_; }

 private:
  std::string finish();
  sys::ProcessResult collect();
  bool running() const noexcept;

  std::string type_;
  Command command_;
  Version version_;
  std::optional<sys::Child> child_;            // exec'd, or
  std::unique_ptr<InProcessCall> in_process_;  // run on a thread
  std::string note_;
};

}  // namespace cni

#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cni/skel.hpp"
#include "sys/process.hpp"

namespace cni {

// Delegation without a second process. Our plugins are one executable (multicall/), installed
// under every plugin's name. When the IPAM plugin a delegating plugin finds in CNI_PATH is that
// same file (the same inode as /proc/self/exe), exec'ing it would only start this program
// again under another name: the plugin it names is run on a thread instead, with exactly what
// the exec would give it (the same environment, stdin, stdout and exit code), so it still
// overlaps the caller's link work. Anything else at that path (the reference's host-local, a
// third-party IPAM, a wrapper script) is exec'd. kForceExecEnv=1 (tests) always execs.
inline constexpr const char* kForceExecEnv = "CNI_CPP_IPAM_EXEC";

/// Offers `funcs` as the plugin `type` for in-process delegation (multicall's main does this
/// for host-local, which keeps no process-wide state and never enters a namespace).
void offer_in_process(std::string_view type, const PluginFuncs& funcs);

/// The plugin to run in-process for `type` found at `path`; nullptr when it must be exec'd
/// (not offered, `path` is another file, or kForceExecEnv is set).
const PluginFuncs* in_process_plugin(std::string_view type, const std::string& path);

/// One delegated call on its own thread, started at construction. finish() joins it and
/// returns what the process would have: its exit code and stdout. Destroyed unfinished, it is
/// joined (a thread cannot be killed: the plugin's own time bounds apply).
class InProcessCall {
 public:
  /// `env`: KEY=VALUE strings, as the process would get them.
  InProcessCall(const PluginFuncs& funcs, std::string_view type,
                const std::vector<std::string>& env, std::string input);
  ~InProcessCall();
  InProcessCall(const InProcessCall&) = delete;
  InProcessCall& operator=(const InProcessCall&) = delete;

  /// Waits for the call; once only.
  sys::ProcessResult finish();
  bool running() const noexcept { return thread_.joinable(); }

 private:
  void body(const PluginFuncs& funcs);

  std::string type_;
  std::map<std::string, std::string, std::less<>> env_;
  std::string input_;
  sys::ProcessResult result_;
  std::thread thread_;  // last: started once everything it reads is in place
};

}  // namespace cni

#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cni::sys {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;     // everything the child wrote to stdout
};

/// Runs `path` with `env` (KEY=VALUE strings) and no arguments, feeds `input` on its stdin,
/// collects its stdout; its stderr is inherited (delegate logs pass through, as the spec says).
/// Throws cni::Error(System) when the process cannot be started.
ProcessResult run_process(const std::string& path, const std::vector<std::string>& env,
                          std::string_view input);

}  // namespace cni::sys

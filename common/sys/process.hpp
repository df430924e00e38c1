#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "sys/unique_fd.hpp"

namespace cni::sys {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;     // everything the child wrote to stdout
};

/// A child process started with a stdin it is fed and a stdout that is collected; its stderr
/// is inherited (delegate logs pass through, as the spec says). Started at construction, so
/// the caller can do other work while it runs; collected by finish(). Destroyed unfinished, it
/// is killed and reaped. Move-only.
class Child {
 public:
  /// Starts `path` with `env` (KEY=VALUE strings) and no arguments, and writes as much of
  /// `input` to its stdin as the pipe takes right away (all of any usual config), so the child
  /// is not held up waiting for it. Throws cni::Error(System) when it cannot be started.
  Child(const std::string& path, const std::vector<std::string>& env, std::string input);
  Child(Child&& o) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  /// Writes the rest of stdin, reads stdout to its end and waits for the exit. Once only.
  ProcessResult finish();
  /// Whether finish() has not been called yet.
  bool running() const noexcept { return pid_ > 0; }

 private:
  std::string path_;
  std::string input_;
  std::size_t written_ = 0;
  UniqueFd in_w_, out_r_;
  pid_t pid_ = -1;
};

/// Child(path, env, input).finish().
ProcessResult run_process(const std::string& path, const std::vector<std::string>& env,
                          std::string_view input);

}  // namespace cni::sys

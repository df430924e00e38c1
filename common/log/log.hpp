#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <string_view>

namespace cni::log {

/// Where and how much to log. Unset fields keep their current value.
struct Settings {
  std::optional<std::string> file;   // append to this file instead of stderr
  std::optional<std::string> level;  // trace, debug, info, warn, error, critical, off
};

/// Installs the process-wide spdlog default logger named after the plugin, writing to stderr at
/// "warn" (so a normal run prints nothing), then applies `settings`. Never writes to stdout:
/// stdout carries only the CNI result. Synchronous, thread-safe sinks (an IPAM plugin run
/// in-process logs from its own thread).
void init(std::string_view plugin, const Settings& settings);

/// Re-targets the logger (e.g. with the config's "logFile"/"logLevel" keys). A file that
/// cannot be opened leaves the current sink in place and logs a warning: logging never fails
/// an operation.
void apply(const Settings& settings);

/// While alive, the lines this thread logs carry `plugin` as their name instead of the
/// process's: a delegated plugin run in-process (cni/in_process.hpp) logs as it would in a
/// process of its own.
class ThreadPluginName {
 public:
  explicit ThreadPluginName(std::string name);
  ~ThreadPluginName();
  ThreadPluginName(const ThreadPluginName&) = delete;
  ThreadPluginName& operator=(const ThreadPluginName&) = delete;

 private:
  std::string previous_;
};

}  // namespace cni::log

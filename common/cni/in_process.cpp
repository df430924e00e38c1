#include "cni/in_process.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "log/log.hpp"

namespace cni {

namespace {
// Written only by main() before any call: read-only afterwards.
std::map<std::string, PluginFuncs, std::less<>>& offered() {
  static std::map<std::string, PluginFuncs, std::less<>> plugins;
  return plugins;
}

bool same_file_as_self(const std::string& path) {
  struct stat self {};
  struct stat other {};
  return ::stat("/proc/self/exe", &self) == 0 && ::stat(path.c_str(), &other) == 0 &&
         self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}
}  // namespace

void offer_in_process(std::string_view type, const PluginFuncs& funcs) {
  offered().insert_or_assign(std::string(type), funcs);
}

const PluginFuncs* in_process_plugin(std::string_view type, const std::string& path) {
  auto it = offered().find(type);
  if (it == offered().end()) return nullptr;
  const char* force = std::getenv(kForceExecEnv);
  if (force != nullptr && std::string_view(force) == "1") return nullptr;
  return same_file_as_self(path) ? &it->second : nullptr;
}

InProcessCall::InProcessCall(const PluginFuncs& funcs, std::string_view type,
                             const std::vector<std::string>& env, std::string input)
    : type_(type), input_(std::move(input)) {
  for (const auto& kv : env) {
    auto eq = kv.find('=');
    if (eq != std::string::npos) env_.insert_or_assign(kv.substr(0, eq), kv.substr(eq + 1));
  }
  thread_ = std::thread([this, &funcs] { body(funcs); });
}

InProcessCall::~InProcessCall() {
  if (thread_.joinable()) thread_.join();
}

void InProcessCall::body(const PluginFuncs& funcs) {
  log::ThreadPluginName name(type_);
  auto getenv = [this](const std::string& key) -> std::optional<std::string> {
    auto it = env_.find(key);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  };
  std::istringstream in(input_);
  std::ostringstream out;
  std::ostringstream err;  // the "about" text only, never printed by a delegate with CNI_COMMAND
  result_.exit_code = run(funcs, type_, Io{getenv, in, out, err});
  result_.out = out.str();
}

sys::ProcessResult InProcessCall::finish() {
  thread_.join();
  return std::move(result_);
}

}  // namespace cni

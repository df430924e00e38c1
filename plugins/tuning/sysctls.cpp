#include "sysctls.hpp"

#include <optional>
#include <sstream>
#include <string>

#include "cni/error.hpp"
#include "sys/sysctl.hpp"
#include "sysctl_key.hpp"

namespace cni::tuning {

namespace {

constexpr std::string_view kNetRoot = "/proc/sys/net/";

// The file's real location must stay under /proc/sys/net/ (no symlink out of it).
void require_net_file(const Sysctl& s) {
  const auto real = sys::sysctl_real_path(s.path);
  if (!real) {
    throw Error(Code::InvalidConfig, sysctl_field(s.field, s.key) + ": no such sysctl (/proc/sys/" +
                                         s.path + ") in the container's namespace");
  }
  if (!real->starts_with(kNetRoot)) {
    throw Error(Code::InvalidConfig, sysctl_field(s.field, s.key) + ": /proc/sys/" + s.path +
                                         " resolves to " + *real + ", outside /proc/sys/net/");
  }
}

std::string words(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::string out;
  std::string w;
  while (in >> w) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

void apply_sysctls(const std::vector<Sysctl>& sysctls, sys::Rollback& undo) {
  for (const auto& s : sysctls) {
    require_net_file(s);
    std::optional<std::string> before;  // nullopt: unchanged, or write-only (nothing to put back)
    try {
      before = sys::exchange_sysctl(s.path, s.value);
    } catch (const Error& e) {
      throw e.wrap(sysctl_field(s.field, s.key));
    }
    if (before) undo.push([path = s.path, old = *before] { sys::write_sysctl(path, old); });
  }
}

void check_sysctls(const std::vector<Sysctl>& sysctls) {
  for (const auto& s : sysctls) {
    std::optional<std::string> now;
    try {
      now = sys::read_sysctl(s.path);
    } catch (const Error& e) {
      throw Error(Code::CheckFailed, sysctl_field(s.field, s.key) + ": " + e.msg());
    }
    if (!now) {
      throw Error(Code::CheckFailed,
                  sysctl_field(s.field, s.key) + ": /proc/sys/" + s.path + " does not exist");
    }
    if (words(*now) != words(s.value)) {
      throw Error(Code::CheckFailed, sysctl_field(s.field, s.key) + ": is \"" + *now +
                                         "\", configured \"" + s.value + "\"");
    }
  }
}

}  // namespace cni::tuning

#include "sys/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cni/error.hpp"
#include "sys/unique_fd.hpp"

namespace cni::sys {

namespace {
// "net.ipv4.conf.eth0.forwarding" -> "/proc/sys/net/ipv4/conf/eth0/forwarding". A key already in
// slash form keeps its dots (interface names such as "eth0.100" contain dots).
std::string sysctl_path(std::string_view key) {
  std::string k(key);
  if (k.find('/') == std::string::npos) {
    for (auto& c : k) {
      if (c == '.') c = '/';
    }
  }
  if (k.empty() || k.front() == '/' || k.find("..") != std::string::npos ||
      k.find('\0') != std::string::npos) {
    throw Error(Code::System, "invalid sysctl key \"" + std::string(key) + "\"");
  }
  return "/proc/sys/" + k;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}
}  // namespace

std::optional<std::string> read_sysctl(std::string_view key) {
  auto path = sysctl_path(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw Error(Code::System, "read sysctl " + std::string(key) + ": " + std::strerror(errno));
  }
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  if (n < 0) {
    throw Error(Code::System, "read sysctl " + std::string(key) + ": " + std::strerror(errno));
  }
  return trim(out);
}

void write_sysctl(std::string_view key, std::string_view value) {
  if (auto cur = read_sysctl(key); cur && *cur == value) return;
  auto path = sysctl_path(key);
  auto fail = [&](int err) {
    return Error(Code::System, "sysctl " + std::string(key) + "=" + std::string(value) + ": " +
                                   std::strerror(err));
  };
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw fail(errno);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    throw fail(errno);
  }
}

}  // namespace cni::sys

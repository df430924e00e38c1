#include "sys/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "cni/error.hpp"
#include "sys/unique_fd.hpp"

namespace cni::sys {

namespace {

bool valid_key(std::string_view k) {
  if (k.empty() || k.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = k.find('/', start);
    const std::string_view part =
        k.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

std::string sysctl_path(std::string_view key) {
  std::string k(key);
  if (k.find('/') == std::string::npos) {
    for (auto& c : k) {
      if (c == '.') c = '/';
    }
  }
  if (!valid_key(k)) throw Error(Code::System, "sysctl: invalid key \"" + std::string(key) + "\"");
  return "/proc/sys/" + k;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

[[noreturn]] void fail(std::string_view key, std::string_view value, bool writing, int err) {
  std::string msg = "sysctl " + std::string(key);
  if (writing) msg += "=" + std::string(value);
  throw Error(Code::System, msg + ": " + std::strerror(err));
}

}  // namespace

std::optional<std::string> read_sysctl(std::string_view key) {
  const auto path = sysctl_path(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail(key, {}, false, errno);
  }
  std::string out;
  char buf[256];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      fail(key, {}, false, errno);
    }
  }
  return trim(std::move(out));
}

void write_sysctl(std::string_view key, std::string_view value) {
  (void)exchange_sysctl(key, value);
}

std::optional<std::string> exchange_sysctl(std::string_view key, std::string_view value) {
  const auto path = sysctl_path(key);
  std::optional<std::string> current;
  try {
    current = read_sysctl(key);
  } catch (const Error&) {
    // Not readable (write-only, such as net/ipv4/route/flush): write it anyway.
  }
  if (current && *current == value) return std::nullopt;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) fail(key, value, true, errno);
  // One write: the kernel parses each write() to a sysctl file on its own.
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail(key, value, true, errno);
  if (static_cast<std::size_t>(n) != value.size()) fail(key, value, true, EIO);
  return current;
}

std::optional<std::string> sysctl_real_path(std::string_view key) {
  const auto path = sysctl_path(key);
  UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail(key, {}, false, errno);
  }
  const std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  char buf[4096];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n < 0) fail(key, {}, false, errno);
  if (static_cast<std::size_t>(n) == sizeof buf) fail(key, {}, false, ENAMETOOLONG);
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace cni::sys

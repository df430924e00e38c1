#include "sysctl_key.hpp"

#include <vector>

#include "cni/error.hpp"

namespace cni::tuning {

namespace {

// sysctl(8): with a '.' as the first separator, '.' and '/' trade places.
std::string swap_separators(std::string_view key) {
  std::string out(key);
  const std::size_t first = key.find_first_of("./");
  if (first == std::string_view::npos || key[first] != '.') return out;
  for (auto& c : out) {
    if (c == '.') {
      c = '/';
    } else if (c == '/') {
      c = '.';
    }
  }
  return out;
}

// Components of "/proc/sys/<path>" after filepath.Clean: empty and "." components dropped,
// ".." removing the one before it (and nothing at the root).
std::vector<std::string_view> clean_components(std::string_view path) {
  std::vector<std::string_view> parts = {"proc", "sys"};
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  return parts;
}

std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string sysctl_field(std::string_view field, std::string_view key) {
  return std::string(field) + "[\"" + printable(key) + "\"]";
}

std::string sysctl_path(std::string_view key, std::string_view ifname, std::string_view field) {
  auto refuse = [&](const std::string& why) -> Error {
    return Error(Code::InvalidConfig, sysctl_field(field, key) + ": " + why);
  };
  if (key.empty()) throw refuse("empty sysctl key");
  if (key.size() > kMaxSysctlKey) {
    throw refuse("sysctl key longer than " + std::to_string(kMaxSysctlKey) + " bytes");
  }
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) throw refuse("control character in sysctl key");
  }
  std::string path = swap_separators(key);
  if (const std::size_t at = path.find("IFNAME"); at != std::string::npos) {
    path.replace(at, 6, ifname);
  }
  const auto parts = clean_components(path);
  // "/proc/sys/net/<something>": the network namespace's own sysctls, nothing else.
  if (parts.size() < 4 || parts[0] != "proc" || parts[1] != "sys" || parts[2] != "net") {
    std::string resolved;
    for (const auto& p : parts)
      resolved += "/" + std::string(p);
    throw refuse("not a network sysctl (it names " + printable(resolved.empty() ? "/" : resolved) +
                 ", outside /proc/sys/net/)");
  }
  std::string out;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (i > 2) out += '/';
    out += parts[i];
  }
  return out;
}

}  // namespace cni::tuning

// libFuzzer target: the tuning plugin's parsers of untrusted input. The first line selects:
//   "key <ifname>": the rest is a sysctl key from a config, normalised for CNI_IFNAME <ifname>.
//     Properties: only cni::Error(InvalidConfig) naming the key is thrown; an accepted key gives
//     a path under net/ with no empty, "." or ".." component and no control character.
//   "backup": the rest is a backup file from the data dir. Properties: only
//     cni::Error(DecodingFailure) is thrown; what parses renders to text that parses back to it.
//   "name": the rest is a file name in the data dir (is_backup_file_name must not crash, and a
//     name it accepts holds no '/').
//   "dups": the rest is a config text for the duplicated-sysctl-key check (InvalidConfig only).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "backup.hpp"
#include "cni/error.hpp"
#include "cni/validate.hpp"
#include "config.hpp"
#include "fuzz_support.hpp"
#include "sysctl_key.hpp"

namespace {

void check_path(std::string_view key, std::string_view path, std::string_view ifname) {
  if (!path.starts_with("net/")) cni::fuzz::finding("accepted path outside net/", path);
  std::size_t start = 0;
  while (true) {
    const std::size_t end = path.find('/', start);
    const std::string_view part =
        path.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty() || part == "." || part == "..") {
      cni::fuzz::finding("accepted path with an empty, '.' or '..' component", key);
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  auto has_control = [](std::string_view s) {
    for (const char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    }
    return false;
  };
  if (has_control(path) && !has_control(ifname)) {
    cni::fuzz::finding("control character in path", key);
  }
}

void fuzz_key(std::string_view ifname, std::string_view key) {
  // CNI_IFNAME as the skel lets it through (the kernel allows control characters in names).
  try {
    cni::validate_ifname(ifname);
  } catch (const cni::Error&) {
    return;
  }
  std::string path;
  try {
    path = cni::tuning::sysctl_path(key, ifname);
  } catch (const cni::Error& e) {
    if (e.code() != cni::Code::InvalidConfig) cni::fuzz::finding("key: code other than 7", e.msg());
    if (e.msg().rfind("sysctl[\"", 0) != 0)
      cni::fuzz::finding("key: message names no key", e.msg());
    return;
  }
  check_path(key, path, ifname);
}

void fuzz_backup(std::string_view text) {
  cni::tuning::Backup b;
  try {
    b = cni::tuning::parse_backup(text);
  } catch (const cni::Error& e) {
    if (e.code() != cni::Code::DecodingFailure)
      cni::fuzz::finding("backup: code other than 6", e.msg());
    return;
  }
  const std::string again = cni::tuning::render_backup(b);
  try {
    if (!(cni::tuning::parse_backup(again) == b))
      cni::fuzz::finding("backup: no round trip", again);
  } catch (const cni::Error& e) {
    cni::fuzz::finding("backup: rendered text does not parse", again + "\n" + e.msg());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [line, rest] = cni::fuzz::split_first_line(data, size);
  if (line.starts_with("key ")) {
    fuzz_key(line.substr(4), rest);
  } else if (line == "backup") {
    fuzz_backup(rest);
  } else if (line == "name") {
    if (cni::tuning::is_backup_file_name(rest) && rest.find('/') != std::string_view::npos) {
      cni::fuzz::finding("a name with '/' taken for a backup file", rest);
    }
  } else if (line == "dups") {
    try {
      cni::tuning::refuse_duplicate_sysctls(rest);
    } catch (const cni::Error& e) {
      if (e.code() != cni::Code::InvalidConfig)
        cni::fuzz::finding("dups: code other than 7", e.msg());
    }
  }
  return 0;
}

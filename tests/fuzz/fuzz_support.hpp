#pragma once
// Shared by the libFuzzer targets: reporting a finding, and splitting an input into a selector
// line and a payload (so that seeds stay readable text, e.g. "ADD\n{...}").

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace cni::fuzz {

/// A property failed: prints what and why, then aborts so that libFuzzer records a crash.
[[noreturn]] inline void finding(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "FUZZ FINDING: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

/// "first line\nrest" -> {"first line", "rest"}; without a newline the line is empty.
inline std::pair<std::string_view, std::string_view> split_first_line(const std::uint8_t* data,
                                                                      std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  auto nl = all.find('\n');
  if (nl == std::string_view::npos) return {std::string_view(), all};
  return {all.substr(0, nl), all.substr(nl + 1)};
}

}  // namespace cni::fuzz

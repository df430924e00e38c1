#include "cni/version.hpp"

namespace cni {

namespace {
constexpr std::array<std::string_view, 7> kNames = {"0.1.0", "0.2.0", "0.3.0", "0.3.1",
                                                    "0.4.0", "1.0.0", "1.1.0"};
}

std::string_view to_string(Version v) {
  return kNames[static_cast<std::size_t>(v)];
}

std::optional<Version> parse_version(std::string_view s) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return kAllVersions[i];
  }
  return std::nullopt;
}

std::string supported_versions_list() {
  std::string out = "[";
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (i) out += ",";
    out += '"';
    out += kNames[i];
    out += '"';
  }
  return out + "]";
}

}  // namespace cni

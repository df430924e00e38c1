#pragma once

#include <array>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace cni {

/// Every published CNI spec version, oldest first. The enum order is the version order.
enum class Version { V0_1_0, V0_2_0, V0_3_0, V0_3_1, V0_4_0, V1_0_0, V1_1_0 };

inline constexpr std::array<Version, 7> kAllVersions = {
    Version::V0_1_0, Version::V0_2_0, Version::V0_3_0, Version::V0_3_1,
    Version::V0_4_0, Version::V1_0_0, Version::V1_1_0};

inline constexpr Version kLatestVersion = Version::V1_1_0;

/// "0.3.1" for Version::V0_3_1.
std::string_view to_string(Version v);

/// The version named exactly by s (no normalisation, as the reference's exact-match check), or
/// nullopt. An empty string is NOT mapped here: callers decide (a config without cniVersion
/// means 0.1.0).
std::optional<Version> parse_version(std::string_view s);

/// Whether the version's result has the 0.1/0.2 {ip4, ip6} shape.
inline bool has_legacy_result(Version v) {
  return v <= Version::V0_2_0;
}
/// Whether ips[] carry the mandatory "version" field (0.3.0 .. 0.4.0).
inline bool ips_carry_version(Version v) {
  return v >= Version::V0_3_0 && v <= Version::V0_4_0;
}
/// CHECK exists from 0.4.0; GC and STATUS from 1.1.0.
inline bool supports_check(Version v) {
  return v >= Version::V0_4_0;
}
inline bool supports_gc_status(Version v) {
  return v >= Version::V1_1_0;
}

/// The JSON array of all supported versions, e.g. ["0.1.0",...,"1.1.0"], for messages.
std::string supported_versions_list();

}  // namespace cni

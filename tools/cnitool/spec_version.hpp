#pragma once

#include <string>
#include <vector>

#include "cni/version.hpp"

namespace cni::tool {

/// A spec version compared the way libcni does (pkg/version ParseVersion): "X[.Y[.Z]]", missing
/// parts are 0. Throws cni::Error(IncompatibleVersion) naming `field` for anything else,
/// including the empty string.
struct SpecVersion {
  int major = 0;
  int minor = 0;
  int micro = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 sees a 0 in the defaulted comparison
  auto operator<=>(const SpecVersion&) const = default;
};
SpecVersion parse_spec_version(const std::string& s, const std::string& field);

/// Whether `v` >= `min` (libcni's version.GreaterThanOrEqualTo). An empty `v` counts as 0.1.0,
/// the version of a config without cniVersion.
bool version_at_least(const std::string& v, const std::string& min);

/// The version a list runs at (libcni conf.go): without `cni_versions`, `cni_version` as is;
/// with it, the highest of `cni_versions` and `cni_version` that is not newer than the newest
/// version we implement (1.1.0), or `cni_version` when none is. Throws on an unparsable entry.
std::string select_version(const std::string& cni_version,
                           const std::vector<std::string>& cni_versions, bool has_cni_versions);

/// The enum for a list version we can convert results to; "" is 0.1.0. Throws
/// cni::Error(IncompatibleVersion) for a version no CNI spec defines.
Version known_version(const std::string& v);

}  // namespace cni::tool

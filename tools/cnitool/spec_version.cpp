#include "spec_version.hpp"

#include <charconv>

#include "cni/error.hpp"

namespace cni::tool {

namespace {
std::optional<int> parse_part(std::string_view s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}
}  // namespace

SpecVersion parse_spec_version(const std::string& s, const std::string& field) {
  auto bad = [&](const std::string& why) {
    return Error(Code::IncompatibleVersion, field + ": invalid version \"" + s + "\": " + why);
  };
  if (s.empty()) throw bad("the version is empty");
  int parts[3] = {0, 0, 0};
  std::size_t start = 0;
  for (int i = 0;; ++i) {
    if (i == 3) throw bad("too many parts");
    auto dot = s.find('.', start);
    auto part = std::string_view(s).substr(start, dot == std::string::npos ? dot : dot - start);
    auto n = parse_part(part);
    if (!n) throw bad("part \"" + std::string(part) + "\" is not a number");
    parts[i] = *n;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return {parts[0], parts[1], parts[2]};
}

bool version_at_least(const std::string& v, const std::string& min) {
  return parse_spec_version(v.empty() ? "0.1.0" : v, "cniVersion") >=
         parse_spec_version(min, "cniVersion");
}

std::string select_version(const std::string& cni_version,
                           const std::vector<std::string>& cni_versions, bool has_cni_versions) {
  if (!has_cni_versions) return cni_version;
  const SpecVersion newest = parse_spec_version(std::string(to_string(kLatestVersion)), "");
  std::optional<std::pair<SpecVersion, std::string>> best;
  auto consider = [&](const std::string& v, const std::string& field) {
    SpecVersion parsed = parse_spec_version(v, field);
    if (parsed > newest) return;  // newer than this implementation of the spec
    if (!best || parsed > best->first) best.emplace(parsed, v);
  };
  for (std::size_t i = 0; i < cni_versions.size(); ++i)
    consider(cni_versions[i], "cniVersions[" + std::to_string(i) + "]");
  if (!cni_version.empty()) consider(cni_version, "cniVersion");
  return best ? best->second : cni_version;
}

Version known_version(const std::string& v) {
  if (v.empty()) return Version::V0_1_0;
  if (auto known = parse_version(v)) return *known;
  throw Error(Code::IncompatibleVersion,
              "cniVersion: \"" + v + "\" is not a CNI version cnitool can run",
              "supported: " + supported_versions_list());
}

}  // namespace cni::tool

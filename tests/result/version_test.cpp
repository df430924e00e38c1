// Unit tests for the CNI spec versions (common/cni/version.hpp).
#include "cni/version.hpp"

#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cni {
namespace {

struct Named {
  const char* text;
  Version version;
};

constexpr std::array<Named, 7> kNamed = {{
    {"0.1.0", Version::V0_1_0},
    {"0.2.0", Version::V0_2_0},
    {"0.3.0", Version::V0_3_0},
    {"0.3.1", Version::V0_3_1},
    {"0.4.0", Version::V0_4_0},
    {"1.0.0", Version::V1_0_0},
    {"1.1.0", Version::V1_1_0},
}};

TEST(Version, ParsesEveryPublishedVersion) {
  for (const auto& n : kNamed) {
    auto v = parse_version(n.text);
    ASSERT_TRUE(v.has_value()) << n.text;
    EXPECT_EQ(*v, n.version) << n.text;
  }
}

TEST(Version, ToStringNamesEveryVersion) {
  for (const auto& n : kNamed)
    EXPECT_EQ(to_string(n.version), n.text);
}

TEST(Version, RoundTripsAndAllVersionsIsComplete) {
  ASSERT_EQ(kAllVersions.size(), kNamed.size());
  for (std::size_t i = 0; i < kAllVersions.size(); ++i) {
    EXPECT_EQ(kAllVersions[i], kNamed[i].version);
    auto again = parse_version(to_string(kAllVersions[i]));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, kAllVersions[i]);
  }
  EXPECT_EQ(kLatestVersion, Version::V1_1_0);
  EXPECT_EQ(kAllVersions.back(), kLatestVersion);
}

TEST(Version, EnumOrderIsVersionOrder) {
  for (std::size_t i = 1; i < kAllVersions.size(); ++i) {
    EXPECT_LT(kAllVersions[i - 1], kAllVersions[i]) << to_string(kAllVersions[i]);
  }
}

TEST(Version, RejectsAnythingButAnExactName) {
  for (const char* s :
       {"", "1.0", "1", "v1.0.0", "1.0.0 ", " 1.0.0", "1.0.0\n", "1.2.0", "0.5.0", "2.0.0", "0.3",
        "0.3.2", "1.0.0-rc1", "1.00.0", "01.0.0", "1.0.0.0", "latest", "V1.0.0"}) {
    EXPECT_FALSE(parse_version(s).has_value()) << '"' << s << '"';
  }
  using namespace std::string_literals;
  EXPECT_FALSE(parse_version("1.0.0\0"s).has_value());
}

TEST(Version, LegacyResultShape) {
  EXPECT_TRUE(has_legacy_result(Version::V0_1_0));
  EXPECT_TRUE(has_legacy_result(Version::V0_2_0));
  for (auto v :
       {Version::V0_3_0, Version::V0_3_1, Version::V0_4_0, Version::V1_0_0, Version::V1_1_0}) {
    EXPECT_FALSE(has_legacy_result(v)) << to_string(v);
  }
}

TEST(Version, IpsCarryVersionOnlyFor03To04) {
  std::vector<std::string> carrying;
  for (auto v : kAllVersions) {
    if (ips_carry_version(v)) carrying.emplace_back(to_string(v));
  }
  EXPECT_EQ(carrying, (std::vector<std::string>{"0.3.0", "0.3.1", "0.4.0"}));
}

TEST(Version, CheckGate) {
  std::vector<std::string> with_check;
  for (auto v : kAllVersions) {
    if (supports_check(v)) with_check.emplace_back(to_string(v));
  }
  EXPECT_EQ(with_check, (std::vector<std::string>{"0.4.0", "1.0.0", "1.1.0"}));
}

TEST(Version, GcStatusGate) {
  std::vector<std::string> with_gc;
  for (auto v : kAllVersions) {
    if (supports_gc_status(v)) with_gc.emplace_back(to_string(v));
  }
  EXPECT_EQ(with_gc, (std::vector<std::string>{"1.1.0"}));
}

TEST(Version, SupportedVersionsList) {
  const std::string s = supported_versions_list();
  EXPECT_EQ(s, R"(["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"])");
  // It is a JSON array naming every version, in order.
  auto j = nlohmann::json::parse(s);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), kAllVersions.size());
  for (std::size_t i = 0; i < kAllVersions.size(); ++i) {
    EXPECT_EQ(j[i].get<std::string>(), to_string(kAllVersions[i]));
  }
}

}  // namespace
}  // namespace cni

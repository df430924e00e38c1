// Version comparison as libcni's pkg/version, and the versions cnitool can convert results to.
#include "spec_version.hpp"

#include <gtest/gtest.h>

#include "support/errors.hpp"

namespace cni::tool {
namespace {

using cni::test::code_of;

TEST(SpecVersion, ParsesLikeLibcni) {
  EXPECT_EQ(parse_spec_version("1.1.0", "f"), (SpecVersion{1, 1, 0}));
  EXPECT_EQ(parse_spec_version("1", "f"), (SpecVersion{1, 0, 0}));
  EXPECT_EQ(parse_spec_version("0.4", "f"), (SpecVersion{0, 4, 0}));
  EXPECT_EQ(code_of([] { parse_spec_version("", "f"); }), 1);
  EXPECT_EQ(code_of([] { parse_spec_version("1.0.0.0", "f"); }), 1);
  EXPECT_EQ(code_of([] { parse_spec_version("1.a", "f"); }), 1);
  EXPECT_EQ(code_of([] { parse_spec_version("1..0", "f"); }), 1);
}

TEST(SpecVersion, AtLeast) {
  EXPECT_TRUE(version_at_least("0.4.0", "0.4.0"));
  EXPECT_TRUE(version_at_least("1.0.0", "0.4.0"));
  EXPECT_TRUE(version_at_least("0.10.0", "0.4.0"));
  EXPECT_FALSE(version_at_least("0.3.1", "0.4.0"));
  EXPECT_FALSE(version_at_least("", "0.4.0"));  // no cniVersion is 0.1.0
  EXPECT_FALSE(version_at_least("1.0.0", "1.1.0"));
}

TEST(SpecVersion, KnownVersions) {
  EXPECT_EQ(known_version("1.0.0"), Version::V1_0_0);
  EXPECT_EQ(known_version(""), Version::V0_1_0);
  EXPECT_EQ(code_of([] { known_version("1.0"); }), 1);
  EXPECT_EQ(code_of([] { known_version("0.3.5"); }), 1);
}

TEST(SpecVersion, SelectWithoutCniVersionsKeepsCniVersion) {
  EXPECT_EQ(select_version("0.3.1", {}, false), "0.3.1");
  EXPECT_EQ(select_version("", {"0.4.0", "0.3.1"}, true), "0.4.0");
  EXPECT_EQ(select_version("", {}, true), "");
}

}  // namespace
}  // namespace cni::tool

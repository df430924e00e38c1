#include "cni/cni_args.hpp"

#include <gtest/gtest.h>

#include "cni/error.hpp"
#include "support/errors.hpp"

namespace cni {
namespace {

using test::code_of;

TEST(CniArgs, EmptyHasNoPairs) {
  EXPECT_TRUE(CniArgs::parse("").pairs().empty());
}

TEST(CniArgs, ParsesPairsInOrder) {
  auto a = CniArgs::parse("IgnoreUnknown=1;IP=10.0.0.2;K8S_POD_NAME=web");
  ASSERT_EQ(a.pairs().size(), 3u);
  EXPECT_EQ(a.pairs()[1].first, "IP");
  EXPECT_EQ(a.get("IP"), "10.0.0.2");
  EXPECT_EQ(a.get("K8S_POD_NAME"), "web");
  EXPECT_FALSE(a.get("MAC").has_value());
}

TEST(CniArgs, EmptyValueIsAllowed) {
  EXPECT_EQ(CniArgs::parse("A=").get("A"), "");
}

TEST(CniArgs, LastRepeatedKeyWins) {
  EXPECT_EQ(CniArgs::parse("A=1;A=2").get("A"), "2");
}

TEST(CniArgs, MalformedPairsAreCode4) {
  for (const char* bad : {"A", "A=1;B", "A=1=2", "=1", ";", "A=1;"}) {
    EXPECT_EQ(code_of([&] { CniArgs::parse(bad); }), 4) << bad;
  }
}

TEST(CniArgs, IgnoreUnknownValues) {
  EXPECT_TRUE(CniArgs::parse("IgnoreUnknown=1").ignore_unknown());
  EXPECT_TRUE(CniArgs::parse("IgnoreUnknown=TRUE").ignore_unknown());
  EXPECT_FALSE(CniArgs::parse("IgnoreUnknown=false").ignore_unknown());
  EXPECT_FALSE(CniArgs::parse("IP=1.2.3.4").ignore_unknown());
  EXPECT_EQ(code_of([] { (void)CniArgs::parse("IgnoreUnknown=maybe").ignore_unknown(); }), 4);
}

TEST(CniArgs, UnknownKeysAreRejectedUnlessIgnored) {
  auto strict = CniArgs::parse("IP=10.0.0.2;FOO=bar");
  EXPECT_EQ(code_of([&] { strict.require_known({"IP", "MAC"}); }), 4);
  auto lenient = CniArgs::parse("IgnoreUnknown=1;IP=10.0.0.2;FOO=bar");
  EXPECT_EQ(code_of([&] { lenient.require_known({"IP", "MAC"}); }), 0);
  auto known = CniArgs::parse("IP=10.0.0.2;MAC=aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(code_of([&] { known.require_known({"IP", "MAC"}); }), 0);
}

TEST(CniArgs, UnknownKeyMessageNamesTheKey) {
  try {
    CniArgs::parse("FOO=bar").require_known({"IP"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.msg().find("FOO"), std::string::npos);
    EXPECT_NE(e.msg().find("CNI_ARGS"), std::string::npos);
  }
}

}  // namespace
}  // namespace cni

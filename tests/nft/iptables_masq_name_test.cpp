#include "nft/iptables_masq_name.hpp"

#include <gtest/gtest.h>

namespace cni::nft {
namespace {

// Chain names the reference 1.1.1 bridge and ptp created (iptables-save after their ADD).
TEST(IptablesMasqName, ChainNamesAreTheReferences) {
  EXPECT_EQ(iptables_masq_chain("refnet", "abc123"), "CNI-8334f7910aacd81549d411b8");
  EXPECT_EQ(iptables_masq_chain("ptp-net.1", "f00d_C.9-x"), "CNI-6eb55197efda8772486232f3");
  // printf %s mynetctr1 | sha512sum | cut -c1-24
  EXPECT_EQ(iptables_masq_chain("mynet", "ctr1"), "CNI-5145007e2a8415ce07579739");
}

// The comment the reference wrote (iptables-save: --comment "name: \"refnet\" id: \"abc123\"").
TEST(IptablesMasqName, CommentIsGoQuoted) {
  EXPECT_EQ(iptables_masq_comment("refnet", "abc123"), R"(name: "refnet" id: "abc123")");
  EXPECT_EQ(iptables_masq_comment("a\"b", "c\\d"), R"(name: "a\"b" id: "c\\d")");
  EXPECT_EQ(iptables_masq_comment("n\t", "i\x01"), R"(name: "n\t" id: "i\x01")");
}

TEST(IptablesMasqName, ReadsTheContainerIdOfItsNetworkOnly) {
  EXPECT_EQ(iptables_masq_comment_id(R"(name: "refnet" id: "abc123")", "refnet"), "abc123");
  EXPECT_EQ(iptables_masq_comment_id(iptables_masq_comment("ptp-net.1", "f00d_C.9-x"), "ptp-net.1"),
            "f00d_C.9-x");
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet" id: "abc123")", "refne"));
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet2" id: "abc123")", "refnet"));
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet" id: "")", "refnet"));
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet" id: "a" x")", "refnet"));
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet" id: "a\"b")", "refnet"));
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet" id: "abc123)", "refnet"));
  EXPECT_FALSE(iptables_masq_comment_id("", "refnet"));
  // Found by fuzz_iptables_comment: the head alone ends with a quote too.
  EXPECT_FALSE(iptables_masq_comment_id(R"(name: "refnet" id: ")", "refnet"));
  // And an ID with raw control characters (%q would have escaped them).
  EXPECT_FALSE(iptables_masq_comment_id(std::string("name: \"refnet\" id: \"a\0\x01"
                                                    "b\"",
                                                    25),
                                        "refnet"));
}

}  // namespace
}  // namespace cni::nft

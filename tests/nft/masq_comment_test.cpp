#include "nft/masq_comment.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cni::nft {
namespace {

// Hash prefixes from coreutils: printf %s mynet | sha512sum | cut -c1-16 (and eth0:ctr1).
TEST(MasqComment, HashesAreSha512Prefixes) {
  EXPECT_EQ(masq_network_hash("mynet"), "d23676b4f2d9fe04");
  EXPECT_EQ(masq_instance_hash({"mynet", "ctr1", "eth0"}), "d23676b4f2d9fe04-7883a6f9ce71eedb");
}

TEST(MasqComment, FormatsAsTheReference) {
  EXPECT_EQ(masq_comment({"mynet", "ctr1", "eth0"}),
            "d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1");
}

TEST(MasqComment, StripsQuotesFromTheReadablePartOnly) {
  const MasqAttachment a{"my\"net", "c\"1", "eth0"};
  const std::string c = masq_comment(a);
  EXPECT_TRUE(c.starts_with(masq_instance_hash(a)));
  EXPECT_TRUE(c.ends_with(", net: mynet, if: eth0, id: c1")) << c;
  EXPECT_NE(masq_instance_hash(a), masq_instance_hash({"mynet", "c1", "eth0"}));
}

TEST(MasqComment, CutsAt128Bytes) {
  const MasqAttachment a{"net", std::string(200, 'c'), "eth0"};
  const std::string c = masq_comment(a);
  EXPECT_EQ(c.size(), kMasqCommentMax);
  EXPECT_TRUE(c.starts_with(masq_instance_hash(a)));
}

TEST(MasqComment, ParsesItsOwnCommentAndVerifiesIt) {
  const MasqAttachment a{"mynet", "0123456789abcdef", "net1"};
  auto f = parse_masq_comment(masq_comment(a));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->instance_hash, masq_instance_hash(a));
  EXPECT_EQ(f->attachment.network, "mynet");
  EXPECT_EQ(f->attachment.ifname, "net1");
  EXPECT_EQ(f->attachment.container_id, "0123456789abcdef");
  EXPECT_TRUE(f->verified);
}

TEST(MasqComment, ACutCommentParsesUnverified) {
  const MasqAttachment a{"a-long-network-name", std::string(100, 'f'), "eth0"};
  auto f = parse_masq_comment(masq_comment(a));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->instance_hash, masq_instance_hash(a));
  EXPECT_EQ(f->attachment.network, "a-long-network-name");
  EXPECT_EQ(f->attachment.ifname, "eth0");
  EXPECT_LT(f->attachment.container_id.size(), 100U);
  EXPECT_FALSE(f->verified);
}

TEST(MasqComment, RejectsOtherComments) {
  EXPECT_FALSE(parse_masq_comment("").has_value());
  EXPECT_FALSE(parse_masq_comment("macspoofchk-ctr1-eth0").has_value());
  EXPECT_FALSE(parse_masq_comment("D23676B4F2D9FE04-7883A6F9CE71EEDB, net: x").has_value());
  EXPECT_FALSE(parse_masq_comment("d23676b4f2d9fe04_7883a6f9ce71eedb").has_value());
  // A bare tag is still a tag, without readable fields.
  auto bare = parse_masq_comment("d23676b4f2d9fe04-7883a6f9ce71eedb");
  ASSERT_TRUE(bare.has_value());
  EXPECT_FALSE(bare->verified);
}

}  // namespace
}  // namespace cni::nft

// The nf_tables helpers the firewall plugin added to common/nft: generation-checked batches,
// insert at the top, the table listing, the nft_compat match probe (Root*: throwaway
// namespaces).
#include "nft/probe.hpp"

#include <gtest/gtest.h>
#include <linux/netfilter.h>

#include <cerrno>
#include <memory>

#include "netns/netns.hpp"
#include "nft/batch.hpp"
#include "nft/chains.hpp"
#include "nft/rules.hpp"
#include "nft/xt.hpp"
#include "support/temp_netns.hpp"

namespace cni::nft {
namespace {

TablePtr table(const char* name) {
  TablePtr t(nftnl_table_alloc());
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name);
  return t;
}

ChainPtr chain(const char* table, const char* name) {
  ChainPtr c(nftnl_chain_alloc());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_IPV4);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name);
  return c;
}

RulePtr commented(const char* table, const char* chain, const char* text) {
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_IPV4);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain);
  add_xt_comment(*r, text);
  add_counter(*r);
  add_accept(*r);
  return r;
}

class RootNftProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    ns_ = std::make_unique<test::TempNetns>();
    ASSERT_TRUE(ns_->ok());
    enter_ = std::make_unique<netns::Enter>(ns_->handle());
  }
  void TearDown() override {
    enter_.reset();
    ns_.reset();
  }
  std::unique_ptr<test::TempNetns> ns_;
  std::unique_ptr<netns::Enter> enter_;
};

TEST_F(RootNftProbe, GenerationCheckedBatch) {
  Socket sock;
  const std::uint32_t gen = ruleset_generation(sock);
  EXPECT_FALSE(table_exists(sock, NFPROTO_IPV4, "t"));
  {
    Batch b(sock, gen);
    b.add_table(*table("t"), "add table ip t");
    b.add_chain(*chain("t", "c"), "add chain ip t c");
    ASSERT_FALSE(b.try_commit());
  }
  EXPECT_TRUE(table_exists(sock, NFPROTO_IPV4, "t"));
  EXPECT_EQ(list_chains(sock, NFPROTO_IPV4, "t"), std::vector<std::string>{"c"});
  EXPECT_TRUE(list_chains(sock, NFPROTO_IPV4, "other").empty());
  EXPECT_NE(ruleset_generation(sock), gen);

  // A batch built on the old generation is refused whole, with ERESTART.
  Batch stale(sock, gen);
  stale.add_chain(*chain("t", "d"), "add chain ip t d");
  auto failure = stale.try_commit();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, ERESTART);
  EXPECT_EQ(list_chains(sock, NFPROTO_IPV4, "t"), std::vector<std::string>{"c"});
}

TEST_F(RootNftProbe, InsertPutsTheRuleFirst) {
  Socket sock;
  Batch b(sock);
  b.add_table(*table("t"), "add table");
  b.add_chain(*chain("t", "c"), "add chain");
  b.add_rule(*commented("t", "c", "second"), "add rule");
  b.insert_rule(*commented("t", "c", "first"), "insert rule");
  b.add_rule(*commented("t", "c", "third"), "add rule");
  b.commit();
  const auto rules = list_rules(sock, NFPROTO_IPV4, "t", "c");
  ASSERT_EQ(rules.size(), 3U);
  EXPECT_EQ(xt_comment_of(*rules[0].rule), "first");
  EXPECT_EQ(xt_comment_of(*rules[1].rule), "second");
  EXPECT_EQ(xt_comment_of(*rules[2].rule), "third");
}

TEST_F(RootNftProbe, XtMatchProbe) {
  Socket sock;
  EXPECT_TRUE(has_xt_match(sock, NFPROTO_IPV4, "conntrack", 3));
  EXPECT_TRUE(has_xt_match(sock, NFPROTO_IPV6, "comment", 0));
  EXPECT_FALSE(has_xt_match(sock, NFPROTO_IPV4, "no-such-match", 0));
  EXPECT_FALSE(has_xt_match(sock, NFPROTO_IPV4, "conntrack", 99));
}

}  // namespace
}  // namespace cni::nft

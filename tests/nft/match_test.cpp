#include "nft/match.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "nft/masq_layout.hpp"

namespace cni::nft {
namespace {

net::Prefix prefix(const char* s) {
  return *net::Prefix::parse(s);
}

// The expression lines of libnftnl's text form of a rule, as `nft --debug=netlink` prints
// them ("[ payload load 4b @ network header + 12 => reg 1 ]").
std::vector<std::string> bytecode(const nftnl_rule& rule) {
  std::string text(4096, '\0');
  const int n = nftnl_rule_snprintf(text.data(), text.size(), &rule, NFTNL_OUTPUT_DEFAULT, 0);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto open = line.find('[');
    const auto close = line.rfind(']');
    if (open != std::string::npos && close != std::string::npos && close > open) {
      lines.push_back(line.substr(open, close - open + 1));
    }
  }
  return lines;
}

// The expected bytecode below is what nft 1.0.6 generates for the same rule text (captured
// with `nft --debug=netlink add rule inet t c ...`).
TEST(NftMatch, MasqRuleV4IsNftsEncoding) {
  auto rule = masq_rule({"n", "c", "eth0"}, {prefix("10.1.0.5/16")});
  EXPECT_EQ(bytecode(*rule.object), (std::vector<std::string>{
                                        "[ meta load nfproto => reg 1 ]",
                                        "[ cmp eq reg 1 0x00000002 ]",
                                        "[ payload load 4b @ network header + 12 => reg 1 ]",
                                        "[ cmp eq reg 1 0x0500010a ]",
                                        "[ payload load 2b @ network header + 16 => reg 1 ]",
                                        "[ cmp neq reg 1 0x0000010a ]",
                                        "[ masq ]",
                                    }));
}

TEST(NftMatch, UnalignedPrefixIsMasked) {
  auto rule = masq_rule({"n", "c", "eth0"}, {prefix("10.1.0.5/12")});
  const auto code = bytecode(*rule.object);
  ASSERT_EQ(code.size(), 8U);
  EXPECT_EQ(code[4], "[ payload load 4b @ network header + 16 => reg 1 ]");
  EXPECT_EQ(code[5], "[ bitwise reg 1 = ( reg 1 & 0x0000f0ff ) ^ 0x00000000 ]");
  EXPECT_EQ(code[6], "[ cmp neq reg 1 0x0000000a ]");
}

TEST(NftMatch, MasqRuleV6IsNftsEncoding) {
  auto rule = masq_rule({"n", "c", "eth0"}, {prefix("fd00::5/64")});
  EXPECT_EQ(bytecode(*rule.object),
            (std::vector<std::string>{
                "[ meta load nfproto => reg 1 ]",
                "[ cmp eq reg 1 0x0000000a ]",
                "[ payload load 16b @ network header + 8 => reg 1 ]",
                "[ cmp eq reg 1 0x000000fd 0x00000000 0x00000000 0x05000000 ]",
                "[ payload load 8b @ network header + 24 => reg 1 ]",
                "[ cmp neq reg 1 0x000000fd 0x00000000 ]",
                "[ masq ]",
            }));
}

TEST(NftMatch, BaseRulesAreNftsEncoding) {
  const auto rules = masq_base_rules();
  ASSERT_EQ(rules.size(), 3U);
  EXPECT_EQ(bytecode(*rules[0].object),
            (std::vector<std::string>{
                "[ meta load nfproto => reg 1 ]",
                "[ cmp eq reg 1 0x00000002 ]",
                "[ payload load 4b @ network header + 16 => reg 1 ]",
                "[ bitwise reg 1 = ( reg 1 & 0x000000f0 ) ^ 0x00000000 ]",
                "[ cmp eq reg 1 0x000000e0 ]",
                "[ immediate reg 0 return ]",
            }));
  EXPECT_EQ(bytecode(*rules[1].object), (std::vector<std::string>{
                                            "[ meta load nfproto => reg 1 ]",
                                            "[ cmp eq reg 1 0x0000000a ]",
                                            "[ payload load 1b @ network header + 24 => reg 1 ]",
                                            "[ cmp eq reg 1 0x000000ff ]",
                                            "[ immediate reg 0 return ]",
                                        }));
  EXPECT_EQ(bytecode(*rules[2].object),
            (std::vector<std::string>{"[ immediate reg 0 goto -> masq_checks ]"}));
}

// Building then summarizing gives back what was built, for every prefix shape.
TEST(NftMatch, SummarizeRoundTrips) {
  for (const char* text : {"10.1.0.5/16", "10.1.0.5/12", "10.1.0.5/32", "10.1.0.5/0", "10.1.0.5/1",
                           "fd00::5/64", "fd00::5/128", "fd00::5/57", "::1/0"}) {
    const net::Prefix p = prefix(text);
    RulePtr rule(nftnl_rule_alloc());
    add_nfproto_match(*rule, p.family());
    add_addr_match(*rule, AddrField::Source, CmpOp::Eq,
                   net::Prefix(p.address(), p.address().bit_length()));
    add_addr_match(*rule, AddrField::Destination, CmpOp::Neq, p);
    add_masquerade(*rule);

    const RuleSummary s = summarize(*rule);
    EXPECT_FALSE(s.unknown) << text;
    ASSERT_TRUE(s.nfproto.has_value()) << text;
    EXPECT_EQ(*s.nfproto, p.family()) << text;
    ASSERT_EQ(s.matches.size(), 2U) << text;
    EXPECT_EQ(s.matches[0].field, AddrField::Source);
    EXPECT_EQ(s.matches[0].op, CmpOp::Eq);
    EXPECT_EQ(s.matches[0].prefix.address(), p.address()) << text;
    EXPECT_EQ(s.matches[0].prefix.length(), p.address().bit_length()) << text;
    EXPECT_EQ(s.matches[1].field, AddrField::Destination);
    EXPECT_EQ(s.matches[1].op, CmpOp::Neq);
    EXPECT_EQ(s.matches[1].prefix, p.network()) << text;
    EXPECT_EQ(s.action, RuleSummary::Action::Masquerade);
  }
}

TEST(NftMatch, SummarizeSeesVerdicts) {
  const auto rules = masq_base_rules();
  const RuleSummary ret = summarize(*rules[0].object);
  EXPECT_EQ(ret.action, RuleSummary::Action::Return);
  ASSERT_EQ(ret.matches.size(), 1U);
  EXPECT_EQ(ret.matches[0].prefix, prefix("224.0.0.0/4"));
  EXPECT_EQ(ret.matches[0].op, CmpOp::Eq);
  EXPECT_EQ(summarize(*rules[1].object).matches.at(0).prefix, prefix("ff00::/8"));
  const RuleSummary jump = summarize(*rules[2].object);
  EXPECT_EQ(jump.action, RuleSummary::Action::Goto);
  EXPECT_EQ(jump.goto_chain, "masq_checks");
}

TEST(NftMatch, UnknownExpressionsAreFlagged) {
  RulePtr rule(nftnl_rule_alloc());
  nftnl_rule_add_expr(rule.get(), nftnl_expr_alloc("counter"));
  add_masquerade(*rule);
  EXPECT_TRUE(summarize(*rule).unknown);
}

TEST(NftMatch, OpsDescribeTheRuleInNftSyntax) {
  EXPECT_EQ(masq_rule({"mynet", "ctr1", "eth0"}, {prefix("10.1.0.5/16")}).op,
            "add rule inet cni_plugins_masquerade masq_checks ip saddr 10.1.0.5 ip daddr != "
            "10.1.0.0/16 masquerade comment \"d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, "
            "if: eth0, id: ctr1\"");
  EXPECT_EQ(delete_by_handle("masq_checks", 7).op,
            "delete rule inet cni_plugins_masquerade masq_checks handle 7");
}

}  // namespace
}  // namespace cni::nft

// The firewall layout: comments (pure), and every rule shape encoded exactly as iptables-nft
// 1.8.9 encodes the same iptables command (Root*: iptables runs in a throwaway namespace).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "layout.hpp"
#include "netns/netns.hpp"
#include "nft/rules.hpp"
#include "nft/socket.hpp"
#include "nft/xt.hpp"
#include "rules.hpp"
#include "support/temp_netns.hpp"

namespace cni::firewall {
namespace {

net::IpAddress ip(const char* text) {
  return *net::IpAddress::parse(text);
}

TEST(FirewallComment, ReadableWhenItFits) {
  const Owner o{"podman", "0123abcd", "eth0"};
  EXPECT_EQ(owner_comment(o), R"(name: "podman" id: "0123abcd" if: "eth0")");
  EXPECT_TRUE(comment_of_network(owner_comment(o), "podman"));
  EXPECT_FALSE(comment_of_network(owner_comment(o), "podman2"));
  EXPECT_FALSE(comment_of_network(owner_comment(o), "podma"));
  EXPECT_TRUE(comment_is_one_of(owner_comment(o), "podman", {{"0123abcd", "eth0"}}));
  EXPECT_FALSE(comment_is_one_of(owner_comment(o), "podman", {{"0123abcd", "eth1"}}));
  EXPECT_FALSE(comment_is_one_of(owner_comment(o), "podman", {{"0123abc", "eth0"}}));
  EXPECT_FALSE(comment_is_one_of(owner_comment(o), "podman", {}));
}

TEST(FirewallComment, IfnameWithQuotes) {
  const Owner o{"n", "c", "a\"b"};
  EXPECT_TRUE(comment_of_network(owner_comment(o), "n"));
  EXPECT_TRUE(comment_is_one_of(owner_comment(o), "n", {{"c", "a\"b"}}));
}

TEST(FirewallComment, HashedWhenTooLong) {
  const Owner o{std::string(200, 'n'), std::string(64, 'c'), "eth0"};
  const std::string c = owner_comment(o);
  EXPECT_LE(c.size(), nft::kXtCommentMax);
  EXPECT_TRUE(c.starts_with("cni-firewall ")) << c;
  EXPECT_TRUE(comment_of_network(c, o.network));
  EXPECT_FALSE(comment_of_network(c, "other"));
  EXPECT_TRUE(comment_is_one_of(c, o.network, {{o.container_id, "eth0"}}));
  EXPECT_FALSE(comment_is_one_of(c, o.network, {{o.container_id, "eth1"}}));
}

TEST(FirewallComment, ForeignCommentsAreNotOurs) {
  // `name: "` alone: the fuzzer's first find (its closing quote is its opening one).
  for (const char* c :
       {"", "name: \"", "name: \"\"", "CNI firewall plugin rules", "name: \"n\" id: \"c\"",
        "name: \"n\" if: \"x\" id: \"c\"", "cni-firewall zz"}) {
    EXPECT_FALSE(comment_of_network(c, "n")) << c;
  }
}

TEST(FirewallLayout, IptablesText) {
  EXPECT_EQ(
      forward_jump(net::Family::V4).text,
      R"(iptables -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD)");
  const auto rules = address_rules(ip("fd00::2"), "x");
  ASSERT_EQ(rules.size(), 3U);
  EXPECT_EQ(
      rules[0].text,
      R"(ip6tables -A CNI-FORWARD -d fd00::2/128 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "x" -j ACCEPT)");
  EXPECT_EQ(rules[1].text,
            R"(ip6tables -A CNI-FORWARD -s fd00::2/128 -m comment --comment "x" -j ACCEPT)");
  EXPECT_EQ(
      rules[2].text,
      R"(ip6tables -A CNI-FORWARD -d fd00::2/128 -m conntrack --ctstate DNAT -m comment --comment "x" -j ACCEPT)");
  EXPECT_EQ(address_rules(ip("fd00::2"), std::nullopt).size(), 2U) << "the reference's pair";
}

TEST(FirewallLayout, SignaturesTellRulesApart) {
  const auto ours = address_rules(ip("10.0.0.2"), "x");
  const auto theirs = address_rules(ip("10.0.0.2"), std::nullopt);
  const auto other = address_rules(ip("10.0.0.3"), "x");
  EXPECT_NE(ours[0].signature, theirs[0].signature);
  EXPECT_NE(ours[0].signature, ours[1].signature);
  EXPECT_NE(ours[0].signature, other[0].signature);
  EXPECT_EQ(ours[0].signature, address_rules(ip("10.0.0.2"), "x")[0].signature);
  EXPECT_NE(stage1_bridge(net::Family::V4, "br0").signature,
            stage1_isolated(net::Family::V4, "br0").signature);
  EXPECT_NE(stage1_bridge(net::Family::V4, "br0").signature,
            stage1_bridge(net::Family::V4, "br1").signature);
}

// ---- Root: against iptables itself ----

std::string run(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  const int status = ::pclose(p);
  if (rc != nullptr) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Every rule shape of the layout, in both families.
std::vector<Rule> all_shapes() {
  std::vector<Rule> out;
  for (net::Family f : {net::Family::V4, net::Family::V6}) {
    const char* addr = f == net::Family::V4 ? "10.89.7.2" : "fd00:1::2";
    out.push_back(forward_jump(f));
    out.push_back(admin_jump(f, "CNI-ADMIN"));
    for (auto& r : address_rules(ip(addr), std::nullopt))
      out.push_back(std::move(r));
    for (auto& r : address_rules(ip(addr), owner_comment({"podman", "c0ffee", "eth0"})))
      out.push_back(std::move(r));
    out.push_back(stage1_jump(f));
    out.push_back(stage1_bridge(f, "cni-podman1"));
    out.push_back(stage1_isolated(f, "cni-podman1"));
    out.push_back(stage_return(f, kStage1Chain));
    out.push_back(stage2_bridge(f, "cni-podman1"));
    out.push_back(stage_return(f, kStage2Chain));
  }
  return out;
}

class RootFirewallIptables : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    if (run("command -v iptables").empty()) GTEST_SKIP() << "no iptables";
    if (run("iptables --version").find("nf_tables") == std::string::npos) {
      GTEST_SKIP() << "iptables is not iptables-nft";
    }
    ns_ = std::make_unique<test::TempNetns>();
    ASSERT_TRUE(ns_->ok());
  }
  std::string in_ns(const std::string& cmd, int* rc = nullptr) {
    return run("ip netns exec " + ns_->name() + " " + cmd, rc);
  }
  std::string iptables_cmd(const Rule& r, const char* op) {
    std::string t = r.text;
    t.replace(t.find(" -A "), 4, std::string(" ") + op + " ");
    return "sh -c '" + t + "'";
  }
  std::unique_ptr<test::TempNetns> ns_;
};

TEST_F(RootFirewallIptables, EveryShapeIsEncodedAsIptablesEncodesIt) {
  for (const char* tool : {"iptables", "ip6tables"}) {
    for (const char* chain : {"CNI-FORWARD", "CNI-ADMIN", kStage1Chain, kStage2Chain})
      in_ns(std::string(tool) + " -N " + chain);
  }
  for (const Rule& r : all_shapes()) {
    int rc = -1;
    const std::string out = in_ns(iptables_cmd(r, "-A"), &rc);
    ASSERT_EQ(rc, 0) << r.text << ": " << out;
    netns::Enter enter(ns_->handle());
    nft::Socket sock;
    const net::Family f = r.text.starts_with("ip6") ? net::Family::V6 : net::Family::V4;
    const auto listed = nft::list_rules(sock, nfproto(f), kTable, r.chain);
    ASSERT_FALSE(listed.empty()) << r.text;
    EXPECT_EQ(nft::rule_signature(*listed.back().rule), r.signature) << r.text;
  }
}

TEST_F(RootFirewallIptables, IptablesListsAndDeletesOurRules) {
  const Wanted w{.owner = {"podman", "c0ffee", "eth0"},
                 .ips = {ip("10.89.7.2"), ip("fd00:1::2")},
                 .admin_chain = "CNI-ADMIN",
                 .ingress = IngressPolicy::Isolated,
                 .bridge = "cni-podman1"};
  {
    netns::Enter enter(ns_->handle());
    add_rules(w);
    EXPECT_TRUE(missing_rules(w).empty());
  }
  // Each rule of ours is found by `iptables -C` with the same words, then deleted by -D.
  std::vector<Rule> ours;
  for (net::Family f : {net::Family::V4, net::Family::V6}) {
    ours.push_back(forward_jump(f));
    ours.push_back(admin_jump(f, "CNI-ADMIN"));
    ours.push_back(stage1_jump(f));
    ours.push_back(stage1_bridge(f, "cni-podman1"));
    ours.push_back(stage1_isolated(f, "cni-podman1"));
    ours.push_back(stage_return(f, kStage1Chain));
    ours.push_back(stage2_bridge(f, "cni-podman1"));
    ours.push_back(stage_return(f, kStage2Chain));
    for (auto& r : address_rules(f == net::Family::V4 ? ip("10.89.7.2") : ip("fd00:1::2"),
                                 owner_comment(w.owner)))
      ours.push_back(std::move(r));
  }
  for (const Rule& r : ours) {
    int rc = -1;
    std::string out = in_ns(iptables_cmd(r, "-C"), &rc);
    EXPECT_EQ(rc, 0) << r.text << ": " << out;
    out = in_ns(iptables_cmd(r, "-D"), &rc);
    EXPECT_EQ(rc, 0) << r.text << ": " << out;
  }
  // Nothing left but the chains: iptables -S shows no -A line.
  EXPECT_EQ(in_ns("sh -c 'iptables -S; ip6tables -S' | grep -c -- '^-A'"), "0\n");
}

}  // namespace
}  // namespace cni::firewall

// The port-mapping layout against the reference's: each row pairs the text the reference's
// nftables backend writes (containernetworking/plugins plugins/meta/portmap/portmap_nftables.go,
// v1.9: knftables rules `<proto> dport <hostPort> dnat to <ip>:<port>`, `ip daddr <hostIP> ...`,
// the masquerade and entry rules; comment = the container ID) with what our builder makes for
// the same mapping. Pure tests check the texts and the read-back; the Root tests write the
// reference's text with `nft` in a throwaway namespace and compare the kernel's listing with
// our rule expression by expression, and the other way round `nft list` of our rules.
#include "nft/hostport_layout.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "netns/netns.hpp"
#include "nft/comment.hpp"
#include "nft/hostports.hpp"
#include "nft/legacy_hostports.hpp"
#include "nft/nat_expr.hpp"
#include "nft/rule_tag.hpp"
#include "nft/rules.hpp"
#include "nft/socket.hpp"
#include "support/temp_netns.hpp"

namespace cni::nft {
namespace {

const MasqAttachment kOwner{
    .network = "test", .container_id = "icee6giejonei6so", .ifname = "eth0"};

HostportPlan plan(const char* container) {
  return HostportPlan{.container = *net::Prefix::parse(container)};
}

PortMapping mapping(std::uint8_t proto, std::uint16_t host, std::uint16_t cont,
                    const char* host_ip = nullptr) {
  PortMapping m{.proto = proto, .host_port = host, .container_port = cont};
  if (host_ip != nullptr) m.host_ip = net::IpAddress::parse(host_ip);
  return m;
}

struct Row {
  const char* family;     // "ip" / "ip6"
  const char* chain;      // where the reference writes it
  const char* reference;  // the reference's rule text, as `nft list` prints it
  Described<RulePtr> ours;
};

std::vector<Row> rows() {
  const auto v4 = plan("10.0.0.2/24");
  const auto v6 = plan("2001:db8::2/64");
  std::vector<Row> out;
  auto dnat = [&](const char* fam, const HostportPlan& p, const char* text, PortMapping m) {
    out.push_back({fam, kHostportsChain, text, dnat_rule(p, m, kOwner)});
  };
  dnat("ip", v4, "tcp dport 8080 dnat to 10.0.0.2:80", mapping(IPPROTO_TCP, 8080, 80));
  dnat("ip", v4, "udp dport 8082 dnat to 10.0.0.2:82", mapping(IPPROTO_UDP, 8082, 82));
  dnat("ip", v4, "sctp dport 8089 dnat to 10.0.0.2:89", mapping(IPPROTO_SCTP, 8089, 89));
  dnat("ip", v4, "ip daddr 192.168.0.2 tcp dport 8083 dnat to 10.0.0.2:83",
       mapping(IPPROTO_TCP, 8083, 83, "192.168.0.2"));
  dnat("ip6", v6, "tcp dport 8080 dnat to [2001:db8::2]:80", mapping(IPPROTO_TCP, 8080, 80));
  dnat("ip6", v6, "ip6 daddr 2001:db8:a::1 tcp dport 8085 dnat to [2001:db8::2]:85",
       mapping(IPPROTO_TCP, 8085, 85, "2001:db8:a::1"));
  auto masq = hostport_masq_rules(v4, kOwner);
  out.push_back({"ip", kHostportMasqChain, "ip saddr 127.0.0.1 ip daddr 10.0.0.2 masquerade",
                 std::move(masq.at(1))});
  for (const char* fam : {"ip", "ip6"}) {
    const auto f = std::string(fam) == "ip" ? net::Family::V4 : net::Family::V6;
    for (const char* chain : {kHostportPrerouting, kHostportOutput}) {
      out.push_back({fam, chain, "fib daddr type local jump hostports_all",
                     std::move(fixed_rules(f, chain).at(0))});
    }
    auto all = fixed_rules(f, kHostportsAllChain);
    out.push_back({fam, kHostportsAllChain, "jump hostip_hostports", std::move(all.at(0))});
    out.push_back({fam, kHostportsAllChain, "jump hostports", std::move(all.at(1))});
  }
  return out;
}

TEST(HostportLayout, OurTextIsTheReferences) {
  for (const auto& r : rows()) {
    SCOPED_TRACE(r.reference);
    EXPECT_NE(r.ours.op.find(std::string(r.chain) + " " + r.reference), std::string::npos)
        << r.ours.op;
  }
}

TEST(HostportLayout, DnatRuleCarriesCommentTagAndReadsBack) {
  const auto p = plan("10.0.0.2/24");
  const auto rule = dnat_rule(p, mapping(IPPROTO_UDP, 5353, 53, "192.168.0.2"), kOwner);
  EXPECT_EQ(comment_of(*rule.object), "icee6giejonei6so");
  EXPECT_EQ(tag_of(*rule.object), masq_instance_hash(kOwner));
  const auto v = read_dnat(*rule.object, net::Family::V4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->proto, IPPROTO_UDP);
  EXPECT_EQ(v->port, 5353);
  EXPECT_EQ(v->daddr, net::IpAddress::parse("192.168.0.2"));
  EXPECT_EQ(v->to_addr, net::IpAddress::parse("10.0.0.2"));
  EXPECT_EQ(v->to_port, 53);

  const auto v6 =
      read_dnat(*dnat_rule(plan("2001:db8::2/64"), mapping(IPPROTO_TCP, 80, 8080), kOwner).object,
                net::Family::V6);
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->daddr);
  EXPECT_EQ(v6->to_addr, net::IpAddress::parse("2001:db8::2"));
  EXPECT_EQ(v6->to_port, 8080);
}

TEST(HostportLayout, ConditionsGoBeforeThePortMatch) {
  auto p = plan("10.0.0.2/24");
  p.conditions = {{.kind = Condition::Kind::Saddr,
                   .op = CmpOp::Neq,
                   .prefix = *net::Prefix::parse("10.0.0.0/8")},
                  {.kind = Condition::Kind::Iifname, .ifname = "eth0"}};
  const auto rule = dnat_rule(p, mapping(IPPROTO_TCP, 8080, 80), kOwner);
  EXPECT_NE(rule.op.find("hostports ip saddr != 10.0.0.0/8 iifname \"eth0\" tcp dport 8080"),
            std::string::npos)
      << rule.op;
  EXPECT_TRUE(read_dnat(*rule.object, net::Family::V4));
}

TEST(HostportLayout, MasqueradeRulesPerFamilyAndMode) {
  auto v4 = plan("10.0.0.2/24");
  auto rules = hostport_masq_rules(v4, kOwner);
  ASSERT_EQ(rules.size(), 2U);
  EXPECT_NE(rules[0].op.find("ip saddr 10.0.0.0/24 ip daddr 10.0.0.2 ct status dnat masquerade"),
            std::string::npos)
      << rules[0].op;
  v4.masq_all = true;
  rules = hostport_masq_rules(v4, kOwner);
  ASSERT_EQ(rules.size(), 1U);
  EXPECT_NE(rules[0].op.find("masquerading ip daddr 10.0.0.2 ct status dnat masquerade"),
            std::string::npos);
  EXPECT_EQ(hostport_masq_rules(plan("2001:db8::2/64"), kOwner).size(), 1U);
  v4.snat = false;
  EXPECT_TRUE(hostport_masq_rules(v4, kOwner).empty());
}

// The reference 1.1.1's per-container chain, as it named it for network "refnet" and container
// "refctr" (read from `iptables-save` after running that binary).
TEST(HostportLayout, LegacyChainName) {
  EXPECT_EQ(legacy_dnat_chain("refnet", "refctr"), "CNI-DN-77fb1a4a5de800e3215df");
}

std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  ::pclose(p);
  return out;
}

class RootHostportLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    ns_ = std::make_unique<test::TempNetns>();
    ASSERT_TRUE(ns_->ok());
  }
  std::string nft(const std::string& script) {
    const std::string file = "/tmp/cni-hostport-test-" + ns_->name() + ".nft";
    std::ofstream(file) << script;
    auto out = capture("ip netns exec " + ns_->name() + " nft -f " + file);
    std::remove(file.c_str());
    return out;
  }
  std::string list(const std::string& what) {
    return capture("ip netns exec " + ns_->name() + " nft list " + what);
  }
  std::vector<ListedRule> rules(const char* family, const char* chain) {
    netns::Enter enter(ns_->handle());
    Socket sock;
    return list_rules(sock,
                      nfproto(std::string(family) == "ip" ? net::Family::V4 : net::Family::V6),
                      kHostportTable, chain);
  }
  std::unique_ptr<test::TempNetns> ns_;
};

// The reference's text, written by nft, lists back as exactly our rule's expressions.
TEST_F(RootHostportLayout, ReferenceRulesAreOurs) {
  for (const auto& r : rows()) {
    SCOPED_TRACE(r.reference);
    const std::string t = std::string(r.family) + " cni_hostport";
    std::string script = "add table " + t;
    script += "\nflush table " + t + "\n";
    for (const char* c : {kHostportsChain, kHostipHostportsChain, kHostportsAllChain, r.chain})
      script += "add chain " + t + " " + c + "\n";
    script += "add rule " + t + " " + r.chain + " " + r.reference;
    script += " comment \"icee6giejonei6so\"\n";
    ASSERT_EQ(nft(script), "");
    const auto listed = rules(r.family, r.chain);
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(expr_texts(*listed[0].rule), expr_texts(*r.ours.object));
  }
}

// The reference's v1.6-v1.8 DNAT shape (`ip protocol tcp th dport ... dnat ip addr . port to`)
// still reads back as a mapping, so conflicts with it are found.
TEST_F(RootHostportLayout, OlderReferenceShapeReadsBack) {
  ASSERT_EQ(nft("add table ip cni_hostport\nadd chain ip cni_hostport hostip_hostports\n"
                "add rule ip cni_hostport hostip_hostports ip daddr 192.168.0.2 ip protocol tcp "
                "th dport 8083 dnat ip addr . port to 10.0.0.2 . 83 comment \"x\"\n"),
            "");
  const auto listed = rules("ip", kHostipHostportsChain);
  ASSERT_EQ(listed.size(), 1U);
  const auto v = read_dnat(*listed[0].rule, net::Family::V4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->proto, IPPROTO_TCP);
  EXPECT_EQ(v->port, 8083);
  EXPECT_EQ(v->daddr, net::IpAddress::parse("192.168.0.2"));
  EXPECT_EQ(v->to_addr, net::IpAddress::parse("10.0.0.2"));
  EXPECT_EQ(v->to_port, 83);
}

// Our rules as `nft list` prints them: the reference's text, tag invisible.
TEST_F(RootHostportLayout, NftListsOurRulesAsTheReferences) {
  auto v4 = plan("10.0.0.2/24");
  v4.mappings = {mapping(IPPROTO_TCP, 8080, 80), mapping(IPPROTO_TCP, 8083, 83, "192.168.0.2")};
  auto v6 = plan("2001:db8::2/64");
  v6.mappings = {mapping(IPPROTO_TCP, 8080, 80)};
  {
    netns::Enter enter(ns_->handle());
    ASSERT_FALSE(setup_hostports(kOwner, {v4, v6}));
    EXPECT_FALSE(hostports_missing(kOwner, {v4, v6}));
  }
  const std::string text = list("ruleset");
  for (const char* line :
       {"comment \"CNI portmap plugin\"",
        "tcp dport 8080 dnat to 10.0.0.2:80 comment \"icee6giejonei6so\"",
        "ip daddr 192.168.0.2 tcp dport 8083 dnat to 10.0.0.2:83 comment \"icee6giejonei6so\"",
        "tcp dport 8080 dnat to [2001:db8::2]:80 comment \"icee6giejonei6so\"",
        "type nat hook prerouting priority dstnat; policy accept;",
        "type nat hook output priority -100; policy accept;",
        "type nat hook postrouting priority srcnat; policy accept;",
        "fib daddr type local jump hostports_all", "jump hostip_hostports",
        "ip saddr 127.0.0.1 ip daddr 10.0.0.2 masquerade comment \"icee6giejonei6so\""}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  // Upstream rewrote the entry chains with its conditions: our next ADD puts the layout back.
  ASSERT_EQ(nft("flush chain ip cni_hostport prerouting\nadd rule ip cni_hostport prerouting ip "
                "saddr 1.2.3.4 fib daddr type local jump hostports_all\n"),
            "");
  {
    netns::Enter enter(ns_->handle());
    ASSERT_FALSE(setup_hostports(kOwner, {v4}));
  }
  EXPECT_EQ(rules("ip", kHostportPrerouting).size(), 1U);
  EXPECT_EQ(list("chain ip cni_hostport prerouting").find("1.2.3.4"), std::string::npos);
  {
    netns::Enter enter(ns_->handle());
    teardown_hostports(kOwner);
    EXPECT_TRUE(hostports_missing(kOwner, {v4}));
  }
  EXPECT_EQ(list("ruleset").find("icee6giejonei6so"), std::string::npos);
}

TEST_F(RootHostportLayout, FeaturesPresent) {
  netns::Enter enter(ns_->handle());
  EXPECT_EQ(hostport_features_missing(net::Family::V4), std::nullopt);
  EXPECT_EQ(hostport_features_missing(net::Family::V6), std::nullopt);
}

}  // namespace
}  // namespace cni::nft

#include "nft/iptables_masq.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "cni/error.hpp"
#include "netns/netns.hpp"
#include "nft/iptables_masq_name.hpp"
#include "support/capture.hpp"
#include "support/nft_netns_fixture.hpp"

namespace cni::nft {
namespace {

using test::capture;

// The reference's iptables masquerade layout written with iptables(-nft) itself into a
// throwaway namespace, then removed by ours. The root namespace must be unchanged.
class RootIptablesMasq : public test::RootNftNetns {
 protected:
  void SetUp() override {
    if (capture("iptables --version").find("nf_tables") == std::string::npos)
      GTEST_SKIP() << "needs iptables-nft";
    RootNftNetns::SetUp();
  }

  // `iptables` (or ip6tables) inside the namespace; the words are ours, the comment quoted.
  void ipt(bool v6, const std::string& args) {
    int status = 0;
    capture("ip netns exec " + ns_->name() + (v6 ? " ip6tables" : " iptables") + " -t nat " + args,
            &status);
    ASSERT_EQ(status, 0) << args;
  }
  // What the reference's SetupIPMasq does for one address of (network, id).
  void reference_add(const std::string& network, const std::string& id, const std::string& ip,
                     const std::string& subnet) {
    const bool v6 = ip.find(':') != std::string::npos;
    const std::string chain = iptables_masq_chain(network, id);
    const std::string comment =
        " -m comment --comment '" + iptables_masq_comment(network, id) + "'";
    if (save(v6).find(":" + chain) == std::string::npos) ipt(v6, "-N " + chain);
    ipt(v6, "-A " + chain + " -d " + subnet + " -j ACCEPT" + comment);
    ipt(v6,
        "-A " + chain + " ! -d " + (v6 ? "ff00::/8" : "224.0.0.0/4") + " -j MASQUERADE" + comment);
    ipt(v6, "-A POSTROUTING -s " + ip + " -j " + chain + comment);
  }
  // iptables-save -t nat without its date lines.
  std::string save(bool v6) {
    std::istringstream in(capture("ip netns exec " + ns_->name() +
                                  (v6 ? " ip6tables-save" : " iptables-save") + " -t nat"));
    std::string out;
    for (std::string line; std::getline(in, line);)
      if (!line.starts_with("#")) out += line + "\n";
    return out;
  }
  std::string ruleset() { return capture("ip netns exec " + ns_->name() + " nft list ruleset"); }
};

constexpr char kEmptyNat[] =
    "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    ":POSTROUTING ACCEPT [0:0]\nCOMMIT\n";

TEST_F(RootIptablesMasq, TeardownRemovesBothFamiliesAndNothingElse) {
  ipt(false, "-A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE");
  const std::string untouched_v4 = save(false);
  reference_add("other", "ctr1", "10.9.0.2", "10.9.0.0/24");  // another network, same ID
  reference_add("mynet", "ctr2", "10.1.0.3", "10.1.0.0/16");  // another container
  const std::string others_v4 = save(false);
  reference_add("mynet", "ctr1", "10.1.0.2", "10.1.0.0/16");
  reference_add("mynet", "ctr1", "10.2.0.2", "10.2.0.0/16");  // a second address
  reference_add("mynet", "ctr1", "fd00::2", "fd00::/64");
  ipt(true, "-A POSTROUTING -s 2001:db8::/64 -j MASQUERADE");
  ASSERT_NE(save(false).find(iptables_masq_chain("mynet", "ctr1")), std::string::npos);

  in_ns([] { teardown_iptables_masquerade("mynet", "ctr1"); });
  EXPECT_EQ(save(false), others_v4);
  EXPECT_EQ(save(true),
            "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            ":POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 2001:db8::/64 -j MASQUERADE\nCOMMIT\n");

  in_ns([] { teardown_iptables_masquerade("mynet", "ctr1"); });  // idempotent
  EXPECT_EQ(save(false), others_v4);
  in_ns([] {
    teardown_iptables_masquerade("mynet", "ctr2");
    teardown_iptables_masquerade("other", "ctr1");
  });
  EXPECT_EQ(save(false), untouched_v4);
}

TEST_F(RootIptablesMasq, CreatesNoTableWhereThereIsNone) {
  in_ns([] {
    teardown_iptables_masquerade("mynet", "ctr1");
    gc_iptables_masquerade("mynet", {});
  });
  EXPECT_EQ(ruleset(), "");
}

// The older `-s <cidr>` jump form and a chain without any jump go too.
TEST_F(RootIptablesMasq, TeardownTakesTheOldJumpFormAndAnOrphanChain) {
  const std::string chain = iptables_masq_chain("mynet", "ctr1");
  const std::string comment =
      " -m comment --comment '" + iptables_masq_comment("mynet", "ctr1") + "'";
  ipt(false, "-N " + chain);
  ipt(false, "-A POSTROUTING -s 10.1.0.0/16 -j " + chain + comment);
  ipt(true, "-N " + chain);  // an ADD that failed after creating the chain
  in_ns([] { teardown_iptables_masquerade("mynet", "ctr1"); });
  EXPECT_EQ(save(false), kEmptyNat);
  EXPECT_EQ(save(true), kEmptyNat);
}

// A jump to the chain without the attachment's comment is not ours: it stays, and so does the
// chain it needs; our own jump goes.
TEST_F(RootIptablesMasq, KeepsAChainAForeignRuleJumpsTo) {
  reference_add("mynet", "ctr1", "10.1.0.2", "10.1.0.0/16");
  const std::string chain = iptables_masq_chain("mynet", "ctr1");
  ipt(false, "-A POSTROUTING -d 10.5.0.0/16 -j " + chain);
  in_ns([] { teardown_iptables_masquerade("mynet", "ctr1"); });
  const std::string after = save(false);
  EXPECT_EQ(after.find("-A POSTROUTING -s"), std::string::npos) << after;
  EXPECT_NE(after.find("-A POSTROUTING -d 10.5.0.0/16 -j " + chain), std::string::npos) << after;
  EXPECT_NE(after.find("-A " + chain + " -d 10.1.0.0/16"), std::string::npos) << after;
}

TEST_F(RootIptablesMasq, GcRemovesTheNetworksDeadContainersOnly) {
  reference_add("mynet", "live", "10.1.0.2", "10.1.0.0/16");
  reference_add("other", "dead", "10.9.0.2", "10.9.0.0/24");
  reference_add("other", "dead", "fd09::2", "fd09::/64");
  const std::string kept_v4 = save(false);
  const std::string kept_v6 = save(true);
  reference_add("mynet", "dead", "10.1.0.3", "10.1.0.0/16");
  reference_add("mynet", "dead", "fd01::3", "fd01::/64");
  reference_add("mynet", "dead2", "10.1.0.4", "10.1.0.0/16");

  in_ns([] { gc_iptables_masquerade("mynet", {"live"}); });
  EXPECT_EQ(save(false), kept_v4);
  EXPECT_EQ(save(true), kept_v6);

  in_ns([] { gc_iptables_masquerade("mynet", {}); });
  const std::string after = save(false);
  EXPECT_EQ(after.find(iptables_masq_chain("mynet", "live")), std::string::npos) << after;
  EXPECT_NE(after.find(iptables_masq_chain("other", "dead")), std::string::npos) << after;
  EXPECT_EQ(save(true), kept_v6);
}

}  // namespace
}  // namespace cni::nft

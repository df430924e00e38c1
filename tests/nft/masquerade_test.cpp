#include "nft/masquerade.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cni/error.hpp"
#include "netns/netns.hpp"
#include "support/capture.hpp"
#include "support/errors.hpp"
#include "support/nft_netns_fixture.hpp"
#include "support/temp_netns.hpp"

namespace cni::nft {
namespace {

using test::capture;

MasqAddress addr(const char* text) {
  return {*net::Prefix::parse(text)};
}

// Every test runs in a throwaway namespace; the root namespace's ruleset must be the same
// after the test as before it.
class RootMasquerade : public test::RootNftNetns {
 protected:
  void setup(const MasqAttachment& a, const std::vector<MasqAddress>& addrs) {
    in_ns([&] { setup_masquerade(a, addrs); });
  }
  void teardown(const MasqAttachment& a) {
    in_ns([&] { teardown_masquerade(a); });
  }
  std::vector<MasqRule> rules() {
    return in_ns([] { return list_masquerade_rules(); });
  }
  bool present(const MasqAttachment& a, const std::vector<MasqAddress>& addrs) {
    return in_ns([&] { return masquerade_present(a, addrs); });
  }

  // `nft <args>` inside the namespace.
  std::string nft(const std::string& args, int* status = nullptr) {
    return capture("ip netns exec " + ns_->name() + " nft " + args, status);
  }
  std::string table_text() { return nft("list table inet cni_plugins_masquerade"); }
  // The "rule" objects of `nft -j list chain ... <chain>`.
  std::vector<nlohmann::json> json_rules(const std::string& chain) {
    const auto doc =
        nlohmann::json::parse(nft("-j list chain inet cni_plugins_masquerade " + chain));
    std::vector<nlohmann::json> out;
    for (const auto& item : doc.at("nftables"))
      if (item.contains("rule")) out.push_back(item.at("rule"));
    return out;
  }
  // Loads an nft script into the namespace (`nft -f`); true when it worked.
  bool nft_script(const std::string& script) {
    const std::string path = "/tmp/cni-nft-test-" + std::to_string(::getpid()) + ".nft";
    std::ofstream(path) << script;
    int status = -1;
    nft("-f " + path, &status);
    ::unlink(path.c_str());
    return status == 0;
  }

  const MasqAttachment a_{"mynet", "ctr1", "eth0"};
  const MasqAttachment b_{"mynet", "ctr2", "eth0"};
};

TEST_F(RootMasquerade, SetupCreatesTheReferenceLayout) {
  setup(a_, {addr("10.1.0.5/16")});
  EXPECT_EQ(table_text(),
            "table inet cni_plugins_masquerade {\n"
            "\tcomment \"Masquerading for plugins from github.com/containernetworking/plugins\"\n"
            "\tchain masq_checks {\n"
            "\t\tcomment \"Masquerade traffic from certain IPs to any (non-multicast) IP "
            "outside their subnet\"\n"
            "\t\tip saddr 10.1.0.5 ip daddr != 10.1.0.0/16 masquerade comment "
            "\"d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1\"\n"
            "\t}\n"
            "\n"
            "\tchain postrouting {\n"
            "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            "\t\tip daddr 224.0.0.0/4 return\n"
            "\t\tip6 daddr ff00::/8 return\n"
            "\t\tgoto masq_checks\n"
            "\t}\n"
            "}\n");

  const auto json = json_rules("masq_checks");
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json[0].at("comment"),
            "d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1");
  const auto& expr = json[0].at("expr");
  ASSERT_EQ(expr.size(), 3U);
  EXPECT_EQ(expr[0].at("match").at("left").at("payload").at("field"), "saddr");
  EXPECT_EQ(expr[0].at("match").at("right"), "10.1.0.5");
  EXPECT_EQ(expr[1].at("match").at("op"), "!=");
  EXPECT_EQ(expr[1].at("match").at("right").at("prefix").at("addr"), "10.1.0.0");
  EXPECT_EQ(expr[1].at("match").at("right").at("prefix").at("len"), 16);
  EXPECT_TRUE(expr[2].contains("masquerade"));
}

TEST_F(RootMasquerade, DualStackGetsOneRulePerAddress) {
  setup(a_, {addr("10.1.0.5/16"), addr("fd00:1::5/64")});
  const std::string text = table_text();
  EXPECT_NE(text.find("ip saddr 10.1.0.5 ip daddr != 10.1.0.0/16 masquerade"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ip6 saddr fd00:1::5 ip6 daddr != fd00:1::/64 masquerade"), std::string::npos)
      << text;

  const auto listed = rules();
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].address.to_string(), "10.1.0.5");
  EXPECT_EQ(listed[0].subnet.to_string(), "10.1.0.0/16");
  EXPECT_EQ(listed[1].address.to_string(), "fd00:1::5");
  EXPECT_EQ(listed[1].subnet.to_string(), "fd00:1::/64");
  for (const auto& r : listed) {
    EXPECT_EQ(r.owner.network, "mynet");
    EXPECT_EQ(r.owner.container_id, "ctr1");
    EXPECT_EQ(r.owner.ifname, "eth0");
    EXPECT_TRUE(r.owner_verified);
    EXPECT_NE(r.handle, 0U);
  }
}

TEST_F(RootMasquerade, UnalignedAndHostSubnetsListBack) {
  setup(a_, {addr("10.1.0.5/12"), addr("192.168.7.9/32"), addr("fd00::5/57")});
  const std::string text = table_text();
  EXPECT_NE(text.find("ip saddr 10.1.0.5 ip daddr != 10.0.0.0/12 masquerade"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ip saddr 192.168.7.9 ip daddr != 192.168.7.9 masquerade"), std::string::npos)
      << text;
  const auto listed = rules();
  ASSERT_EQ(listed.size(), 3U);
  EXPECT_EQ(listed[0].subnet.to_string(), "10.0.0.0/12");
  EXPECT_EQ(listed[1].subnet.to_string(), "192.168.7.9/32");
  EXPECT_EQ(listed[2].subnet.to_string(), "fd00::/57");
}

TEST_F(RootMasquerade, SetupTwiceDoesNotDuplicate) {
  setup(a_, {addr("10.1.0.5/16")});
  setup(a_, {addr("10.1.0.5/16"), addr("10.1.0.5/16")});
  EXPECT_EQ(rules().size(), 1U);
  EXPECT_EQ(json_rules("postrouting").size(), 3U);
  EXPECT_EQ(json_rules("masq_checks").size(), 1U);
}

TEST_F(RootMasquerade, SetupReplacesTheAttachmentsOldAddresses) {
  setup(a_, {addr("10.1.0.5/16")});
  setup(a_, {addr("10.1.0.6/16")});
  const auto listed = rules();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].address.to_string(), "10.1.0.6");
}

TEST_F(RootMasquerade, TeardownOfOneAttachmentLeavesTheOther) {
  setup(a_, {addr("10.1.0.5/16")});
  setup(b_, {addr("10.1.0.6/16"), addr("fd00::6/64")});
  teardown(a_);
  const auto listed = rules();
  ASSERT_EQ(listed.size(), 2U);
  for (const auto& r : listed)
    EXPECT_EQ(r.owner.container_id, "ctr2");
  EXPECT_EQ(json_rules("postrouting").size(), 3U) << "the base chain stays";
}

// IP reuse: A and then B got the same address; DEL of A must leave B's rule.
TEST_F(RootMasquerade, TeardownFindsRulesByOwnerNotAddress) {
  setup(a_, {addr("10.1.0.5/16")});
  setup(b_, {addr("10.1.0.5/16")});
  teardown(a_);
  const auto listed = rules();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].owner.container_id, "ctr2");
  EXPECT_EQ(listed[0].address.to_string(), "10.1.0.5");
}

TEST_F(RootMasquerade, SameContainerOtherIfnameIsAnotherAttachment) {
  setup(a_, {addr("10.1.0.5/16")});
  setup({"mynet", "ctr1", "eth1"}, {addr("10.2.0.5/16")});
  teardown(a_);
  const auto listed = rules();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].owner.ifname, "eth1");
}

TEST_F(RootMasquerade, TeardownOnAnEmptyNamespaceSucceeds) {
  EXPECT_NO_THROW(teardown(a_));
  EXPECT_EQ(table_text(), "") << "teardown creates nothing";
  EXPECT_TRUE(rules().empty());
}

TEST_F(RootMasquerade, TeardownTwiceSucceeds) {
  setup(a_, {addr("10.1.0.5/16")});
  EXPECT_NO_THROW(teardown(a_));
  EXPECT_NO_THROW(teardown(a_));
  EXPECT_TRUE(rules().empty());
  EXPECT_TRUE(json_rules("masq_checks").empty());
}

TEST_F(RootMasquerade, GcKeepsValidAttachmentsAndOtherNetworks) {
  setup({"net-a", "c1", "eth0"}, {addr("10.1.0.1/16")});
  setup({"net-a", "c2", "eth0"}, {addr("10.1.0.2/16")});
  setup({"net-a", "c3", "eth1"}, {addr("10.1.0.3/16")});
  setup({"net-b", "c2", "eth0"}, {addr("10.2.0.2/16")});

  in_ns([] { gc_masquerade("net-a", {{"c1", "eth0"}, {"c3", "eth1"}, {"c9", "eth0"}}); });
  auto listed = rules();
  ASSERT_EQ(listed.size(), 3U);
  EXPECT_EQ(listed[0].owner.container_id, "c1");
  EXPECT_EQ(listed[1].owner.container_id, "c3");
  EXPECT_EQ(listed[2].owner.network, "net-b");

  in_ns([] { gc_masquerade("net-a", {}); });
  listed = rules();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].owner.network, "net-b");
  EXPECT_EQ(listed[0].owner.container_id, "c2");

  EXPECT_NO_THROW(in_ns([] { gc_masquerade("net-c", {}); }));
}

TEST_F(RootMasquerade, GcOnAnEmptyNamespaceSucceeds) {
  EXPECT_NO_THROW(in_ns([] { gc_masquerade("mynet", {}); }));
  EXPECT_EQ(table_text(), "");
}

TEST_F(RootMasquerade, PresentTracksSetupAndTeardown) {
  const std::vector<MasqAddress> addrs = {addr("10.1.0.5/16"), addr("fd00::5/64")};
  EXPECT_FALSE(present(a_, addrs));
  setup(a_, addrs);
  EXPECT_TRUE(present(a_, addrs));
  EXPECT_TRUE(present(a_, {addrs[1]}));
  EXPECT_FALSE(present(a_, {addr("10.1.0.6/16")}));
  EXPECT_FALSE(present(a_, {addr("10.1.0.5/24")})) << "another subnet";
  EXPECT_FALSE(present(b_, addrs)) << "another owner";

  nft("flush chain inet cni_plugins_masquerade postrouting");
  EXPECT_FALSE(present(a_, addrs)) << "nothing jumps to masq_checks";
  setup(a_, addrs);
  EXPECT_TRUE(present(a_, addrs));
  teardown(a_);
  EXPECT_FALSE(present(a_, addrs));
}

// Comments longer than 128 bytes are cut; the tag still finds the rules.
TEST_F(RootMasquerade, LongIdentifiersAreCutButStillOwned) {
  const MasqAttachment lng{std::string(60, 'n'), std::string(64, 'f'), "eth0"};
  setup(lng, {addr("10.9.0.5/16")});
  setup(a_, {addr("10.1.0.5/16")});
  auto listed = rules();
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].comment.size(), 128U);
  EXPECT_FALSE(listed[0].owner_verified);
  EXPECT_EQ(listed[0].owner.network, lng.network);
  EXPECT_TRUE(present(lng, {addr("10.9.0.5/16")}));

  in_ns([&] { gc_masquerade(lng.network, {{lng.container_id, lng.ifname}}); });
  EXPECT_EQ(rules().size(), 2U);
  teardown(lng);
  listed = rules();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].owner.container_id, "ctr1");
}

// A host switching from the reference binaries: their table, written by `nft` (knftables),
// is read, extended and cleaned up by ours, and the other way round.
TEST_F(RootMasquerade, InteroperatesWithTheReferencesTable) {
  const std::string tag_a = "d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1";
  ASSERT_TRUE(nft_script(
      "add table inet cni_plugins_masquerade { comment \"Masquerading for plugins from "
      "github.com/containernetworking/plugins\" ; }\n"
      "add chain inet cni_plugins_masquerade masq_checks { comment \"Masquerade traffic from "
      "certain IPs to any (non-multicast) IP outside their subnet\" ; }\n"
      "add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority "
      "100 ; }\n"
      "flush chain inet cni_plugins_masquerade postrouting\n"
      "add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4  return\n"
      "add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8  return\n"
      "add rule inet cni_plugins_masquerade postrouting goto masq_checks\n"
      "add rule inet cni_plugins_masquerade masq_checks ip saddr == 10.1.0.5 ip daddr != "
      "10.1.0.0/16 masquerade comment \"" +
      tag_a +
      "\"\n"
      "add rule inet cni_plugins_masquerade masq_checks ip6 saddr == fd00::5 ip6 daddr != "
      "fd00::/64 masquerade comment \"" +
      tag_a + "\"\n"));
  const std::string before = table_text();

  auto listed = rules();
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].subnet.to_string(), "10.1.0.0/16");
  EXPECT_EQ(listed[1].subnet.to_string(), "fd00::/64");
  EXPECT_TRUE(listed[0].owner_verified);
  EXPECT_TRUE(present(a_, {addr("10.1.0.5/16"), addr("fd00::5/64")}));

  // Our ADD of the same attachment produces the same table text.
  setup(a_, {addr("10.1.0.5/16"), addr("fd00::5/64")});
  EXPECT_EQ(table_text(), before);

  setup(b_, {addr("10.1.0.6/16")});
  teardown(a_);
  listed = rules();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].owner.container_id, "ctr2");

  // The reference's teardown is `nft delete rule ... handle N` of rules with the tag prefix.
  EXPECT_TRUE(nft_script("delete rule inet cni_plugins_masquerade masq_checks handle " +
                         std::to_string(listed[0].handle) + "\n"));
  EXPECT_TRUE(rules().empty());
}

// A table created without comments (an older layout) is accepted as it is.
TEST_F(RootMasquerade, AcceptsAnExistingTableWithoutComments) {
  ASSERT_TRUE(nft_script(
      "add table inet cni_plugins_masquerade\n"
      "add chain inet cni_plugins_masquerade masq_checks\n"
      "add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority "
      "srcnat ; }\n"));
  EXPECT_NO_THROW(setup(a_, {addr("10.1.0.5/16")}));
  EXPECT_EQ(rules().size(), 1U);
}

// The transaction is atomic: when one message fails, nothing of it is applied, and the error
// names the failing operation.
TEST_F(RootMasquerade, AFailedSetupChangesNothing) {
  ASSERT_TRUE(
      nft_script("add table inet cni_plugins_masquerade\n"
                 "add chain inet cni_plugins_masquerade postrouting { type filter hook postrouting "
                 "priority 0 ; }\n"));
  const auto e = test::error_of([&] { setup(a_, {addr("10.1.0.5/16")}); });
  EXPECT_EQ(e.code(), Code::Firewall);
  EXPECT_TRUE(e.msg().starts_with("add chain inet cni_plugins_masquerade postrouting")) << e.msg();
  std::printf("error: %s [%s]\n", e.msg().c_str(), e.details().c_str());
  int status = -1;
  nft("list chain inet cni_plugins_masquerade masq_checks", &status);
  EXPECT_NE(status, 0) << "masq_checks was created by a failed transaction";
  EXPECT_TRUE(rules().empty());
}

TEST_F(RootMasquerade, OtherRulesInMasqChecksAreLeftAlone) {
  setup(a_, {addr("10.1.0.5/16")});
  nft("'add rule inet cni_plugins_masquerade masq_checks ip saddr 10.3.0.1 counter comment "
      "\"someone else\"'");
  teardown(a_);
  in_ns([] { gc_masquerade("mynet", {}); });
  const auto json = json_rules("masq_checks");
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json[0].at("comment"), "someone else");
  EXPECT_TRUE(rules().empty()) << "not a masquerade rule";
}

// Concurrent ADDs and DELs in one namespace (separate sockets, as separate plugin processes):
// every transaction lands, the base chain keeps its three rules.
TEST_F(RootMasquerade, ConcurrentSetupsAndTeardowns) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::atomic<int> failures{0};
  auto worker = [&](int t, bool add) {
    netns::Enter enter(ns_->handle());
    for (int i = 0; i < kPerThread; ++i)
      try {
        const MasqAttachment a{"mynet", "c" + std::to_string(t) + "-" + std::to_string(i), "eth0"};
        if (add) {
          setup_masquerade(
              a,
              {addr(("10.1." + std::to_string(t) + "." + std::to_string(i + 1) + "/16").c_str())});
        } else {
          teardown_masquerade(a);
        }
      } catch (const Error& e) {
        ADD_FAILURE() << e.msg();
        ++failures;
      }
  };
  for (bool add : {true, false}) {
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back(worker, t, add);
    for (auto& th : threads)
      th.join();
    ASSERT_EQ(failures, 0);
    EXPECT_EQ(rules().size(), add ? static_cast<std::size_t>(kThreads * kPerThread) : 0U);
    EXPECT_EQ(json_rules("postrouting").size(), 3U);
  }
}

// Concurrent ADDs of one attachment (which runtimes do not do) race on deleting each other's
// stale rules: each lists again and retries, and a call that keeps losing reports
// TryAgainLater, never anything else. One more ADD leaves exactly one rule per address.
TEST_F(RootMasquerade, ConcurrentSetupsOfOneAttachment) {
  constexpr int kThreads = 3;
  const std::vector<MasqAddress> addrs = {addr("10.1.0.5/16"), addr("fd00::5/64")};
  std::atomic<int> succeeded{0};
  auto worker = [&] {
    netns::Enter enter(ns_->handle());
    for (int i = 0; i < 10; ++i)
      try {
        setup_masquerade(a_, addrs);
        ++succeeded;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), Code::TryAgainLater) << e.msg();
      }
  };
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(worker);
  for (auto& th : threads)
    th.join();
  EXPECT_GT(succeeded, 0);
  setup(a_, addrs);
  EXPECT_EQ(rules().size(), 2U);
  EXPECT_TRUE(present(a_, addrs));
}

}  // namespace
}  // namespace cni::nft

#include "netlink/veth.hpp"

#include <gtest/gtest.h>
#include <net/if.h>

#include <regex>
#include <set>
#include <string>

#include "cni/error.hpp"
#include "support/errors.hpp"
#include "two_ns_fixture.hpp"

namespace cni::nl {
namespace {

using test::error_of;

TEST(RandomVethName, IsVethAndEightLowercaseHexDigits) {
  const std::regex shape("veth[0-9a-f]{8}");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string n = random_veth_name();
    EXPECT_TRUE(std::regex_match(n, shape)) << n;
    seen.insert(n);
  }
  EXPECT_GT(seen.size(), 45U) << "names should not repeat";
}

class RootVeth : public test::RootTwoNetns {
 protected:
  VethSpec spec(const std::string& host, const std::string& peer) {
    return VethSpec{.host_name = host, .peer_name = peer, .peer_ns = cont_handle_.get()};
  }
};

TEST_F(RootVeth, BothEndsAreBornInTheirNamespaces) {
  auto s = spec("vh0", "eth0");
  s.mtu = 1400;
  s.peer_mac = "02:AA:bb:cc:dd:01";
  ASSERT_EQ(create_veth(*hsock_, s), VethOutcome::Created);

  auto host = host_link("vh0");
  auto peer = cont_link("eth0");
  EXPECT_EQ(host.kind(), "veth");
  EXPECT_EQ(peer.kind(), "veth");
  EXPECT_EQ(host.mtu(), 1400);
  EXPECT_EQ(peer.mtu(), 1400);
  EXPECT_EQ(peer.mac(), "02:aa:bb:cc:dd:01");
  EXPECT_NE(host.mac(), peer.mac());
  EXPECT_FALSE(host.is_up());
  EXPECT_FALSE(peer.is_up());
  EXPECT_EQ(host.peer_index(), peer.index());
  EXPECT_TRUE(host.link_netnsid().has_value()) << "the peer is in another namespace";
  EXPECT_FALSE(find_link(*hsock_, "eth0").has_value()) << "nothing moved through the host";
  EXPECT_FALSE(find_link(*csock_, "vh0").has_value());
}

TEST_F(RootVeth, DefaultsAndHostUpAtCreation) {
  auto s = spec("vh0", "eth0");
  s.host_up = true;
  s.peer_mac = "02-00-00-00-00-2a";
  ASSERT_EQ(create_veth(*hsock_, s), VethOutcome::Created);
  EXPECT_EQ(host_link("vh0").mtu(), 1500);
  EXPECT_EQ(cont_link("eth0").mac(), "02:00:00:00:00:2a");
  EXPECT_TRUE(host_link("vh0").is_up());
  EXPECT_FALSE(cont_link("eth0").is_up());
  EXPECT_NE(host_link("vh0").oper_state(), OperState::Up) << "no carrier while the peer is down";
}

TEST_F(RootVeth, PeerInTheSameNamespace) {
  auto s = spec("vh0", "vh0p");
  s.peer_ns = nullptr;
  ASSERT_EQ(create_veth(*hsock_, s), VethOutcome::Created);
  EXPECT_EQ(host_link("vh0").peer_index(), host_link("vh0p").index());
  EXPECT_FALSE(host_link("vh0").link_netnsid().has_value());
}

TEST_F(RootVeth, ExistingNamesAreTold) {
  ASSERT_EQ(create_veth(*hsock_, spec("vh0", "eth0")), VethOutcome::Created);
  EXPECT_EQ(create_veth(*hsock_, spec("vh0", "eth1")), VethOutcome::HostNameExists);
  EXPECT_FALSE(find_link(*csock_, "eth1").has_value()) << "the failed pair left nothing";
  EXPECT_EQ(create_veth(*hsock_, spec("vh1", "eth0")), VethOutcome::PeerNameExists);
  EXPECT_FALSE(find_link(*hsock_, "vh1").has_value()) << "the failed pair left nothing";
  // Also for a host name clashing with a link that is not a veth end.
  EXPECT_EQ(create_veth(*hsock_, spec("lo", "eth2")), VethOutcome::HostNameExists);
}

TEST_F(RootVeth, InvalidSpecsSendNothing) {
  auto bad_mac = spec("vh0", "eth0");
  for (const char* mac : {"02:00:00:00:00", "02:00:00:00:00:0g", "02:00-00:00:00:01", "2:0:0:0:0:1",
                          "02:00:00:00:00:01:02", "0x02:00:00:00:00:01"}) {
    bad_mac.peer_mac = mac;
    auto e = error_of([&] { create_veth(*hsock_, bad_mac); });
    EXPECT_EQ(e.code(), Code::InvalidConfig) << mac;
    EXPECT_NE(e.msg().find(mac), std::string::npos) << e.msg();
  }
  EXPECT_EQ(error_of([&] { create_veth(*hsock_, spec("", "eth0")); }).code(), Code::InvalidConfig);
  EXPECT_EQ(error_of([&] { create_veth(*hsock_, spec("vh0", "sixteen-chars-xx")); }).code(),
            Code::InvalidConfig);
  auto big = spec("vh0", "eth0");
  big.mtu = 70000;
  EXPECT_EQ(error_of([&] { create_veth(*hsock_, big); }).code(), Code::InvalidConfig);
  EXPECT_FALSE(find_link(*hsock_, "vh0").has_value());
}

TEST_F(RootVeth, KernelRefusalNamesThePair) {
  auto s = spec("vh0", "eth0");
  s.mtu = 20;  // below the minimum
  auto e = error_of([&] { create_veth(*hsock_, s); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg().rfind("create veth vh0 (peer eth0 in " + cont_->path() + "): ", 0), 0U)
      << e.msg();
}

TEST_F(RootVeth, RandomHostNameReturnsBothEnds) {
  auto s = spec("ignored", "eth0");
  s.mtu = 9000;
  s.peer_mac = "02:00:00:00:00:07";
  auto pair = create_veth_with_random_host_name(*hsock_, *csock_, s);
  EXPECT_TRUE(std::regex_match(pair.host.name(), std::regex("veth[0-9a-f]{8}")));
  EXPECT_EQ(pair.peer.name(), "eth0");
  EXPECT_EQ(pair.host.index(), host_link(pair.host.name()).index());
  EXPECT_EQ(pair.peer.index(), cont_link("eth0").index());
  EXPECT_EQ(pair.peer.mac(), "02:00:00:00:00:07");
  EXPECT_EQ(pair.host.mtu(), 9000);
  EXPECT_EQ(pair.host.peer_index(), pair.peer.index());

  auto again = error_of([&] { create_veth_with_random_host_name(*hsock_, *csock_, s); });
  EXPECT_EQ(again.code(), Code::Netlink);
  EXPECT_NE(again.msg().find("container interface eth0 already exists"), std::string::npos)
      << again.msg();
  EXPECT_EQ(list_links(*hsock_).size(), 2U) << "lo and the first host end only";
}

TEST_F(RootVeth, ManyRandomPairsGetDistinctNames) {
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    auto pair =
        create_veth_with_random_host_name(*hsock_, *csock_, spec("", "eth" + std::to_string(i)));
    names.insert(pair.host.name());
  }
  EXPECT_EQ(names.size(), 20U);
}

}  // namespace
}  // namespace cni::nl

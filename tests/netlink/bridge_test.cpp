#include "netlink/bridge.hpp"

#include <gtest/gtest.h>
#include <net/if.h>

#include <string>
#include <vector>

#include "cni/error.hpp"
#include "netlink/veth.hpp"
#include "support/errors.hpp"
#include "two_ns_fixture.hpp"

namespace cni::nl {
namespace {

using nlohmann::json;
using test::error_of;

class RootBridge : public test::RootTwoNetns {
 protected:
  // A veth "<host>" in the host namespace whose peer "<peer>" is in the container namespace.
  Link add_port(const std::string& host, const std::string& peer, const std::string& mac = "") {
    VethSpec s{.host_name = host, .peer_name = peer, .peer_ns = cont_handle_.get()};
    if (create_veth(*hsock_, s) != VethOutcome::Created) throw std::runtime_error("veth");
    if (!mac.empty()) set_mac(*hsock_, host_link(host), mac);
    return host_link(host);
  }
  // Whether this kernel has bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING).
  bool kernel_has_vlan_filtering() {
    const bool ok = host_->ip("link add vfprobe type bridge vlan_filtering 1");
    if (ok) host_->ip("link del vfprobe");
    return ok;
  }
  json slave_data(const std::string& port) {
    return ip_details(port)["linkinfo"]["info_slave_data"];
  }
  json bridge_vlans(const std::string& port) {
    auto j = test::json_of("bridge -n " + host_->name() + " -j vlan show dev " + port);
    return j.is_array() && !j.empty() ? j[0]["vlans"] : json::array();
  }
};

TEST_F(RootBridge, CreatesUpWithMtuAndIsIdempotent) {
  auto br = ensure_bridge(*hsock_, {.name = "br0", .mtu = 1400});
  EXPECT_EQ(br.kind(), "bridge");
  EXPECT_EQ(br.name(), "br0");
  EXPECT_TRUE(br.is_up());
  EXPECT_EQ(br.mtu(), 1400);
  EXPECT_EQ(br.flags() & IFF_PROMISC, 0U);
  EXPECT_EQ(ip_details("br0")["linkinfo"]["info_data"]["vlan_filtering"], 0);

  auto again = ensure_bridge(*hsock_, {.name = "br0", .mtu = 9000});
  EXPECT_EQ(again.index(), br.index());
  EXPECT_EQ(again.mtu(), 1400) << "the MTU is only set at creation, as the reference";
}

TEST_F(RootBridge, BringsAnExistingBridgeUp) {
  ASSERT_TRUE(host_->ip("link add br0 type bridge"));
  ASSERT_FALSE(host_link("br0").is_up());
  EXPECT_TRUE(ensure_bridge(*hsock_, {.name = "br0"}).is_up());
  EXPECT_TRUE(host_link("br0").is_up());
}

TEST_F(RootBridge, PromiscOnOffOrLeftAlone) {
  EXPECT_NE(ensure_bridge(*hsock_, {.name = "br0", .promisc = true}).flags() & IFF_PROMISC, 0U);
  EXPECT_NE(host_link("br0").flags() & IFF_PROMISC, 0U) << "set at creation";
  EXPECT_NE(ensure_bridge(*hsock_, {.name = "br0"}).flags() & IFF_PROMISC, 0U) << "left alone";
  EXPECT_EQ(ensure_bridge(*hsock_, {.name = "br0", .promisc = false}).flags() & IFF_PROMISC, 0U);
  EXPECT_NE(ensure_bridge(*hsock_, {.name = "br0", .promisc = true}).flags() & IFF_PROMISC, 0U)
      << "turned on for an existing bridge";
  EXPECT_TRUE(host_link("br0").is_up());
}

TEST_F(RootBridge, ExistingLinkThatIsNotABridgeIsAnError) {
  ASSERT_TRUE(host_->add_link("notbr0"));
  auto e = error_of([&] { ensure_bridge(*hsock_, {.name = "notbr0"}); });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_EQ(e.msg(), "bridge notbr0: link already exists but is not a bridge (kind \"veth\")");
  EXPECT_FALSE(host_link("notbr0").is_up()) << "left untouched";

  EXPECT_EQ(error_of([&] { ensure_bridge(*hsock_, {.name = ""}); }).code(), Code::InvalidConfig);
  EXPECT_EQ(error_of([&] { ensure_bridge(*hsock_, {.name = "sixteen-chars-xx"}); }).code(),
            Code::InvalidConfig);
}

TEST_F(RootBridge, VlanFilteringAtCreationAndLater) {
  if (!kernel_has_vlan_filtering()) {
    auto e = error_of([&] { ensure_bridge(*hsock_, {.name = "br0", .vlan_filtering = true}); });
    EXPECT_EQ(e.msg().rfind("create bridge br0: Operation not supported", 0), 0U) << e.msg();
    GTEST_SKIP() << "kernel without CONFIG_BRIDGE_VLAN_FILTERING";
  }
  auto br = ensure_bridge(*hsock_, {.name = "br0", .vlan_filtering = true});
  EXPECT_EQ(ip_details("br0")["linkinfo"]["info_data"]["vlan_filtering"], 1);
  set_bridge_vlan_filtering(*hsock_, br, false);
  EXPECT_EQ(ip_details("br0")["linkinfo"]["info_data"]["vlan_filtering"], 0);
  set_bridge_vlan_filtering(*hsock_, br, true);
  EXPECT_EQ(ip_details("br0")["linkinfo"]["info_data"]["vlan_filtering"], 1);
}

TEST_F(RootBridge, PinnedMacNoLongerFollowsTheLowestPort) {
  auto br = ensure_bridge(*hsock_, {.name = "br0"});
  auto p1 = add_port("vh1", "eth1", "02:00:00:00:00:50");
  set_master(*hsock_, p1, br.index());
  EXPECT_EQ(host_link("br0").mac(), "02:00:00:00:00:50") << "unpinned: follows its ports";

  pin_bridge_mac(*hsock_, host_link("br0"));
  auto p2 = add_port("vh2", "eth2", "02:00:00:00:00:01");
  set_master(*hsock_, p2, br.index());
  EXPECT_EQ(host_link("vh2").master(), br.index());
  EXPECT_EQ(host_link("br0").mac(), "02:00:00:00:00:50") << "pinned";
}

TEST_F(RootBridge, PortOptionsInOneRequest) {
  auto br = ensure_bridge(*hsock_, {.name = "br0"});
  auto port = add_port("vh0", "eth0");
  set_master(*hsock_, port, br.index());
  auto before = slave_data("vh0");
  ASSERT_TRUE(before.is_object()) << ip_details("vh0").dump();
  EXPECT_EQ(before["hairpin"], false);
  EXPECT_EQ(before["isolated"], false);
  EXPECT_EQ(before["learning"], true);

  set_port_options(*hsock_, port, {.hairpin = true, .isolated = true, .learning = false});
  auto after = slave_data("vh0");
  EXPECT_EQ(after["hairpin"], true);
  EXPECT_EQ(after["isolated"], true);
  EXPECT_EQ(after["learning"], false);

  set_port_options(*hsock_, port.index(), {.hairpin = false});
  auto partial = slave_data("vh0");
  EXPECT_EQ(partial["hairpin"], false);
  EXPECT_EQ(partial["isolated"], true) << "nullopt leaves a flag alone";
  EXPECT_EQ(partial["learning"], false);

  set_port_options(*hsock_, LinkRef(4242, "nosuch"), {});  // nothing to send
}

TEST_F(RootBridge, PortOptionsOnALinkOutsideABridgeFail) {
  auto port = add_port("vh0", "eth0");
  auto e = error_of([&] { set_port_options(*hsock_, port, {.hairpin = true}); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg().rfind("set bridge port options (hairpin on) on vh0: ", 0), 0U) << e.msg();
}

TEST_F(RootBridge, InvalidVlansSendNothing) {
  auto port = add_port("vh0", "eth0");
  for (const VlanSpec& bad :
       {VlanSpec{.pvid_untagged = 0}, VlanSpec{.pvid_untagged = 4095},
        VlanSpec{.tagged_ranges = {{10, 5}}}, VlanSpec{.tagged_ranges = {{0, 5}}},
        VlanSpec{.tagged_ranges = {{5, 4095}}}}) {
    auto e = error_of([&] { set_port_vlans(*hsock_, port, bad); });
    EXPECT_EQ(e.code(), Code::InvalidConfig) << e.msg();
    EXPECT_EQ(e.msg().rfind("set VLANs on vh0: ", 0), 0U) << e.msg();
  }
}

TEST_F(RootBridge, VlansOfAPort) {
  const bool vlans = kernel_has_vlan_filtering();
  auto br = ensure_bridge(*hsock_, {.name = "br0", .vlan_filtering = vlans});
  auto port = add_port("vh0", "eth0");
  set_master(*hsock_, port, br.index());
  if (!vlans) {
    auto e = error_of([&] { set_port_vlans(*hsock_, port, {.pvid_untagged = 10}); });
    EXPECT_EQ(e.msg().rfind("add VLANs pvid 10 to vh0: Operation not supported", 0), 0U) << e.msg();
    EXPECT_TRUE(list_port_vlans(*hsock_, port.index()).empty());
    GTEST_SKIP() << "kernel without CONFIG_BRIDGE_VLAN_FILTERING";
  }
  EXPECT_EQ(list_port_vlans(*hsock_, port.index()), (std::vector<PortVlan>{{1, 1, true, true}}))
      << "a new port starts in the default VLAN";

  set_port_vlans(*hsock_, port, {.pvid_untagged = 10, .tagged_ranges = {{20, 30}, {40, 40}}});
  EXPECT_EQ(list_port_vlans(*hsock_, port.index()),
            (std::vector<PortVlan>{
                {10, 10, true, true}, {20, 30, false, false}, {40, 40, false, false}}));
  const json v = bridge_vlans("vh0");
  ASSERT_EQ(v.size(), 3U) << v.dump();
  EXPECT_EQ(v[0]["vlan"], 10);
  EXPECT_EQ(v[0]["flags"], json({"PVID", "Egress Untagged"}));
  EXPECT_EQ(v[1]["vlan"], 20);
  EXPECT_EQ(v[1]["vlanEnd"], 30);
  EXPECT_EQ(v[2]["vlan"], 40);
}

TEST_F(RootBridge, DefaultVlanKeptOrReused) {
  if (!kernel_has_vlan_filtering()) GTEST_SKIP() << "kernel without bridge VLAN filtering";
  auto br = ensure_bridge(*hsock_, {.name = "br0", .vlan_filtering = true});
  auto kept = add_port("vh0", "eth0");
  set_master(*hsock_, kept, br.index());
  set_port_vlans(*hsock_, kept, {.tagged_ranges = {{100, 100}}, .keep_default_vlan1 = true});
  EXPECT_EQ(list_port_vlans(*hsock_, kept.index()),
            (std::vector<PortVlan>{{1, 1, true, true}, {100, 100, false, false}}));

  auto native1 = add_port("vh1", "eth1");
  set_master(*hsock_, native1, br.index());
  set_port_vlans(*hsock_, native1, {.pvid_untagged = 1, .tagged_ranges = {{2, 3}}});
  EXPECT_EQ(list_port_vlans(*hsock_, native1.index()),
            (std::vector<PortVlan>{{1, 1, true, true}, {2, 3, false, false}}));

  auto none = add_port("vh2", "eth2");
  set_master(*hsock_, none, br.index());
  set_port_vlans(*hsock_, none, {});
  EXPECT_TRUE(list_port_vlans(*hsock_, none.index()).empty());
  set_port_vlans(*hsock_, none, {});  // nothing left to remove is fine
}

}  // namespace
}  // namespace cni::nl

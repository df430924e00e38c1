#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "cni/error.hpp"
#include "net/ip.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "support/errors.hpp"
#include "support/temp_netns.hpp"

namespace cni::nl {
namespace {

net::Prefix P(const char* s) {
  return *net::Prefix::parse(s);
}
net::IpAddress A(const char* s) {
  return *net::IpAddress::parse(s);
}

using test::error_of;

// A throwaway namespace holding an up link "d0" (a veth with its peer up) and a socket inside.
class RootNetlinkAddr : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    ns_ = std::make_unique<test::TempNetns>();
    ASSERT_TRUE(ns_->ok());
    ASSERT_TRUE(ns_->add_link("d0"));
    sock_ = std::make_unique<Socket>(Socket::in(ns_->handle()));
    auto d = find_link(*sock_, "d0");
    ASSERT_TRUE(d.has_value());
    d0_ = d->index();
    set_up(*sock_, d0_);
  }
  void TearDown() override {
    sock_.reset();
    ns_.reset();
  }

  std::vector<net::Prefix> prefixes(std::optional<net::Family> family = std::nullopt) {
    std::vector<net::Prefix> out;
    for (const auto& a : list_addresses(*sock_, d0_, family)) {
      EXPECT_EQ(a.ifindex, d0_);
      // The kernel's own IPv6 link-local address is not ours.
      if (!(a.prefix.family() == net::Family::V6 && a.prefix.address().bytes()[0] == 0xfe)) {
        out.push_back(a.prefix);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::optional<RouteSpec> find_route(net::Family f, const net::Prefix& dst) {
    for (auto& r : list_routes(*sock_, f, RT_TABLE_MAIN)) {
      if (r.dst == dst) return r;
    }
    return std::nullopt;
  }

  std::unique_ptr<test::TempNetns> ns_;
  std::unique_ptr<Socket> sock_;
  int d0_ = 0;
};

TEST_F(RootNetlinkAddr, AddListDeleteIPv4AndIPv6) {
  EXPECT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  EXPECT_TRUE(add_address(*sock_, d0_, P("fd00:1::5/64"), {.nodad = true}));
  EXPECT_EQ(prefixes(), (std::vector<net::Prefix>{P("10.1.2.3/24"), P("fd00:1::5/64")}));
  EXPECT_EQ(prefixes(net::Family::V4), (std::vector<net::Prefix>{P("10.1.2.3/24")}));
  EXPECT_EQ(prefixes(net::Family::V6), (std::vector<net::Prefix>{P("fd00:1::5/64")}));

  for (const auto& a : list_addresses(*sock_, d0_, net::Family::V6)) {
    if (a.prefix == P("fd00:1::5/64")) {
      EXPECT_NE(a.flags & IFA_F_NODAD, 0U);
      EXPECT_EQ(a.flags & IFA_F_TENTATIVE, 0U) << "nodad: usable at once";
      EXPECT_EQ(a.scope, RT_SCOPE_UNIVERSE);
    }
  }

  EXPECT_TRUE(delete_address(*sock_, d0_, P("10.1.2.3/24")));
  EXPECT_TRUE(delete_address(*sock_, d0_, P("fd00:1::5/64")));
  EXPECT_EQ(prefixes(), std::vector<net::Prefix>{});
}

TEST_F(RootNetlinkAddr, AddingTwiceReportsExistingAndDeletingTwiceReportsGone) {
  EXPECT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  EXPECT_FALSE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  EXPECT_TRUE(delete_address(*sock_, d0_, P("10.1.2.3/24")));
  EXPECT_FALSE(delete_address(*sock_, d0_, P("10.1.2.3/24")));
  EXPECT_FALSE(delete_address(*sock_, 4242, P("10.1.2.3/24")));
  EXPECT_FALSE(delete_address(*sock_, d0_, P("fd00:9::1/64")));
}

TEST_F(RootNetlinkAddr, IPv4GetsABroadcastAndAPrefixRouteUnlessAsked) {
  EXPECT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  auto subnet = find_route(net::Family::V4, P("10.1.2.0/24"));
  ASSERT_TRUE(subnet.has_value());
  EXPECT_EQ(subnet->ifindex, d0_);
  EXPECT_EQ(subnet->scope, RT_SCOPE_LINK);
  EXPECT_EQ(subnet->src, A("10.1.2.3"));

  EXPECT_TRUE(add_address(*sock_, d0_, P("10.9.0.1/16"), {.noprefixroute = true}));
  EXPECT_FALSE(find_route(net::Family::V4, P("10.9.0.0/16")).has_value());
  for (const auto& a : list_addresses(*sock_, d0_, net::Family::V4)) {
    if (a.prefix == P("10.9.0.1/16")) {
      EXPECT_NE(a.flags & IFA_F_NOPREFIXROUTE, 0U);
    }
  }
}

TEST_F(RootNetlinkAddr, AddressErrorNamesTheLink) {
  auto e = error_of([&] { (void)add_address(*sock_, 4242, P("10.1.2.3/24")); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg().rfind("add address 10.1.2.3/24 to ifindex 4242: No such device", 0), 0U)
      << e.msg();
}

TEST_F(RootNetlinkAddr, ListAllAddressesOfTheNamespace) {
  set_up(*sock_, 1);  // lo gets 127.0.0.1/8 and ::1/128
  EXPECT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  bool lo4 = false, d04 = false;
  for (const auto& a : list_addresses(*sock_, 0)) {
    if (a.ifindex == 1 && a.prefix == P("127.0.0.1/8")) lo4 = true;
    if (a.ifindex == d0_ && a.prefix == P("10.1.2.3/24")) d04 = true;
  }
  EXPECT_TRUE(lo4);
  EXPECT_TRUE(d04);
}

TEST_F(RootNetlinkAddr, GatewayRouteAddListReplaceDelete) {
  ASSERT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  RouteSpec r{.dst = P("10.20.0.0/16"), .gw = A("10.1.2.1"), .ifindex = d0_};
  EXPECT_TRUE(add_route(*sock_, r));
  EXPECT_FALSE(add_route(*sock_, r)) << "exists";

  auto listed = find_route(net::Family::V4, r.dst);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->gw, A("10.1.2.1"));
  EXPECT_EQ(listed->ifindex, d0_);
  EXPECT_EQ(listed->table, RT_TABLE_MAIN);
  EXPECT_EQ(listed->scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(listed->protocol, RTPROT_BOOT);
  EXPECT_EQ(listed->type, RTN_UNICAST);
  EXPECT_FALSE(listed->mtu.has_value());

  RouteSpec with_mtu = r;
  with_mtu.mtu = 1300;
  with_mtu.advmss = 1200;
  replace_route(*sock_, with_mtu);
  listed = find_route(net::Family::V4, r.dst);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->mtu, 1300);
  EXPECT_EQ(listed->advmss, 1200);

  EXPECT_TRUE(delete_route(*sock_, r));
  EXPECT_FALSE(find_route(net::Family::V4, r.dst).has_value());
  EXPECT_FALSE(delete_route(*sock_, r));
}

TEST_F(RootNetlinkAddr, DefaultAndDeviceRoutes) {
  ASSERT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  RouteSpec def{.dst = P("0.0.0.0/0"), .gw = A("10.1.2.1"), .ifindex = d0_};
  EXPECT_TRUE(add_route(*sock_, def));
  auto listed = find_route(net::Family::V4, P("0.0.0.0/0"));
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->gw, A("10.1.2.1"));

  RouteSpec dev{.dst = P("10.30.0.0/16"),
                .ifindex = d0_,
                .scope = RT_SCOPE_LINK,
                .priority = 50,
                .src = A("10.1.2.3")};
  EXPECT_TRUE(add_route(*sock_, dev));
  listed = find_route(net::Family::V4, dev.dst);
  ASSERT_TRUE(listed.has_value());
  EXPECT_FALSE(listed->gw.has_value());
  EXPECT_EQ(listed->scope, RT_SCOPE_LINK);
  EXPECT_EQ(listed->priority, 50);
  EXPECT_EQ(listed->src, A("10.1.2.3"));

  // Deletion matches on what is given; scope/protocol left unset match anything.
  EXPECT_TRUE(delete_route(*sock_, RouteSpec{.dst = P("10.30.0.0/16"), .ifindex = d0_}));
  EXPECT_TRUE(delete_route(*sock_, RouteSpec{.dst = P("0.0.0.0/0")}));
  EXPECT_FALSE(find_route(net::Family::V4, P("0.0.0.0/0")).has_value());
}

TEST_F(RootNetlinkAddr, IPv6Routes) {
  ASSERT_TRUE(add_address(*sock_, d0_, P("fd00:1::5/64"), {.nodad = true}));
  RouteSpec r{.dst = P("2001:db8:1::/64"), .gw = A("fd00:1::1"), .ifindex = d0_};
  EXPECT_TRUE(add_route(*sock_, r));
  EXPECT_FALSE(add_route(*sock_, r));
  auto listed = find_route(net::Family::V6, r.dst);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->gw, A("fd00:1::1"));
  EXPECT_EQ(listed->ifindex, d0_);

  RouteSpec def{.dst = P("::/0"), .gw = A("fd00:1::1"), .ifindex = d0_};
  EXPECT_TRUE(add_route(*sock_, def));
  EXPECT_TRUE(find_route(net::Family::V6, P("::/0")).has_value());

  EXPECT_TRUE(delete_route(*sock_, r));
  EXPECT_TRUE(delete_route(*sock_, def));
  EXPECT_FALSE(delete_route(*sock_, def));
}

TEST_F(RootNetlinkAddr, OnlinkGatewayOutsideEverySubnet) {
  // Any address, so that the namespace has routing tables to check the gateway against.
  ASSERT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  RouteSpec r{.dst = P("0.0.0.0/0"), .gw = A("192.0.2.1"), .ifindex = d0_, .onlink = true};
  EXPECT_TRUE(add_route(*sock_, r));
  auto listed = find_route(net::Family::V4, P("0.0.0.0/0"));
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->onlink);
}

TEST_F(RootNetlinkAddr, RouteErrorNamesTheRouteAndTheLink) {
  // No address on d0 covers the gateway: the kernel refuses.
  RouteSpec r{.dst = P("10.40.0.0/16"), .gw = A("192.0.2.1"), .ifindex = d0_};
  auto e = error_of([&] { (void)add_route(*sock_, r); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg().rfind("add route 10.40.0.0/16 via 192.0.2.1 dev d0: ", 0), 0U) << e.msg();
  EXPECT_EQ(describe_route(r), "10.40.0.0/16 via 192.0.2.1 dev " + std::to_string(d0_));
}

TEST_F(RootNetlinkAddr, ListRoutesByTable) {
  ASSERT_TRUE(add_address(*sock_, d0_, P("10.1.2.3/24")));
  bool local_seen = false;
  for (const auto& r : list_routes(*sock_, net::Family::V4)) {
    if (r.table == RT_TABLE_LOCAL && r.type == RTN_LOCAL && r.dst == P("10.1.2.3/32")) {
      local_seen = true;
    }
  }
  EXPECT_TRUE(local_seen);
  for (const auto& r : list_routes(*sock_, net::Family::V4, RT_TABLE_MAIN)) {
    EXPECT_EQ(r.table, RT_TABLE_MAIN);
  }
  RouteSpec t{.dst = P("10.50.0.0/16"), .ifindex = d0_, .table = 1000};
  EXPECT_TRUE(add_route(*sock_, t));
  auto in_1000 = list_routes(*sock_, net::Family::V4, 1000);
  ASSERT_EQ(in_1000.size(), 1U);
  EXPECT_EQ(in_1000[0].dst, t.dst);
  EXPECT_TRUE(delete_route(*sock_, t));
}

}  // namespace
}  // namespace cni::nl

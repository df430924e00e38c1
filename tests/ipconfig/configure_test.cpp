#include "ipconfig/configure.hpp"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/route.hpp"
#include "netns/netns.hpp"
#include "support/temp_netns.hpp"

namespace cni {
namespace {

net::Prefix P(const char* s) {
  return *net::Prefix::parse(s);
}
net::IpAddress A(const char* s) {
  return *net::IpAddress::parse(s);
}

Result dual_stack() {
  Result r;
  r.interfaces = {{.name = "veth1234"}, {.name = "eth0"}};
  r.ips = {{.address = P("10.22.0.5/24"), .gateway = A("10.22.0.1"), .interface = 1},
           {.address = P("fd22::5/64"), .gateway = A("fd22::1"), .interface = 1},
           {.address = P("10.99.0.5/24"), .gateway = A("10.99.0.1"), .interface = 0}};
  r.routes = {{.dst = P("0.0.0.0/0")},
              {.dst = P("192.168.50.0/24"), .gw = A("10.22.0.254")},
              {.dst = P("::/0")}};
  return r;
}

TEST(Ipconfig, GatewaysComeFromTheInterfacesAddresses) {
  auto g = ipconfig::gateways_for(dual_stack(), 1);
  EXPECT_EQ(g.v4, A("10.22.0.1"));
  EXPECT_EQ(g.v6, A("fd22::1"));
  auto other = ipconfig::gateways_for(dual_stack(), 0);
  EXPECT_EQ(other.v4, A("10.99.0.1"));
  EXPECT_FALSE(other.v6.has_value());
}

TEST(Ipconfig, RoutesUseTheirOwnGatewayOrTheFamilyDefault) {
  auto routes = ipconfig::routes_for(dual_stack(), 1, 7);
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].gw, A("10.22.0.1"));
  EXPECT_EQ(routes[1].gw, A("10.22.0.254"));
  EXPECT_EQ(routes[2].gw, A("fd22::1"));
  for (const auto& r : routes)
    EXPECT_EQ(r.ifindex, 7);
}

// A throwaway namespace holding a veth "eth0" (peer up), entered for the whole test.
class RootIpconfig : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    ASSERT_TRUE(ns_.ok());
    ASSERT_TRUE(ns_.ip("link add eth0 type veth peer name peer0"));
    ASSERT_TRUE(ns_.ip("link set peer0 up"));
    handle_.emplace(ns_.handle());
    enter_.emplace(*handle_);
    sock_.emplace();
    auto l = nl::find_link(*sock_, "eth0");
    ASSERT_TRUE(l.has_value());
    link_.emplace(std::move(*l));
  }
  void TearDown() override {
    sock_.reset();
    enter_.reset();  // back in our namespace before ns_ is deleted
  }

  test::TempNetns ns_;
  std::optional<netns::Handle> handle_;
  std::optional<netns::Enter> enter_;
  std::optional<nl::Socket> sock_;
  std::optional<nl::Link> link_;
};

TEST_F(RootIpconfig, ConfiguresAddressesRoutesAndLinkState) {
  ipconfig::configure_interface(*sock_, *link_, dual_stack(), 1);

  EXPECT_TRUE(nl::find_link(*sock_, "eth0")->is_up());
  auto addrs = nl::list_addresses(*sock_, link_->index());
  auto find = [&](const char* p) {
    return std::find_if(addrs.begin(), addrs.end(),
                        [&](const auto& a) { return a.prefix == P(p); });
  };
  ASSERT_NE(find("10.22.0.5/24"), addrs.end());
  ASSERT_NE(find("fd22::5/64"), addrs.end());
  EXPECT_FALSE(find("fd22::5/64")->flags & IFA_F_TENTATIVE) << "no DAD wait by default";
  EXPECT_EQ(find("10.99.0.5/24"), addrs.end()) << "another interface's address";

  auto v4 = nl::list_routes(*sock_, net::Family::V4, RT_TABLE_MAIN);
  auto route = [&](const std::vector<nl::RouteSpec>& rs, const char* dst) {
    return std::find_if(rs.begin(), rs.end(), [&](const auto& r) { return r.dst == P(dst); });
  };
  ASSERT_NE(route(v4, "0.0.0.0/0"), v4.end());
  EXPECT_EQ(route(v4, "0.0.0.0/0")->gw, A("10.22.0.1"));
  ASSERT_NE(route(v4, "192.168.50.0/24"), v4.end());
  EXPECT_EQ(route(v4, "192.168.50.0/24")->gw, A("10.22.0.254"));
  auto v6 = nl::list_routes(*sock_, net::Family::V6, RT_TABLE_MAIN);
  ASSERT_NE(route(v6, "::/0"), v6.end());
  EXPECT_EQ(route(v6, "::/0")->gw, A("fd22::1"));
}

TEST_F(RootIpconfig, DadWhenAsked) {
  Result r;
  r.ips = {{.address = P("fd33::5/64"), .interface = 0}};
  ipconfig::configure_interface(*sock_, *link_, r, 0, {.dad = true});
  auto addrs = nl::list_addresses(*sock_, link_->index(), net::Family::V6);
  auto it = std::find_if(addrs.begin(), addrs.end(),
                         [](const auto& a) { return a.prefix == P("fd33::5/64"); });
  ASSERT_NE(it, addrs.end());
  EXPECT_TRUE(it->flags & IFA_F_TENTATIVE) << "DAD runs: the address starts tentative";
}

}  // namespace
}  // namespace cni

namespace cni {
namespace {

TEST_F(RootIpconfig, PointToPointRoutesEverythingThroughTheGateway) {
  Result r;
  r.ips = {{.address = P("10.40.0.5/24"), .gateway = A("10.40.0.1"), .interface = 0}};
  r.routes = {{.dst = P("0.0.0.0/0")}};
  ipconfig::configure_interface(*sock_, *link_, r, 0, {.point_to_point = true});
  auto v4 = nl::list_routes(*sock_, net::Family::V4, RT_TABLE_MAIN);
  auto route = [&](const char* dst) {
    return std::find_if(v4.begin(), v4.end(), [&](const auto& x) { return x.dst == P(dst); });
  };
  ASSERT_NE(route("10.40.0.1/32"), v4.end());
  EXPECT_EQ(route("10.40.0.1/32")->scope, RT_SCOPE_LINK);
  EXPECT_EQ(route("10.40.0.1/32")->src, A("10.40.0.5"));
  ASSERT_NE(route("10.40.0.0/24"), v4.end());
  EXPECT_EQ(route("10.40.0.0/24")->gw, A("10.40.0.1")) << "the subnet goes via the gateway too";
  ASSERT_NE(route("0.0.0.0/0"), v4.end());
  EXPECT_EQ(route("0.0.0.0/0")->gw, A("10.40.0.1"));

  Result no_gw;
  no_gw.ips = {{.address = P("10.41.0.5/24"), .interface = 0}};
  try {
    ipconfig::configure_interface(*sock_, *link_, no_gw, 0, {.point_to_point = true});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Ipam);
  }
}

}  // namespace
}  // namespace cni

// The netlink layer against real links, inside throwaway namespaces only.
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "support/temp_netns.hpp"
#include "sys/rollback.hpp"
#include "sys/sysctl.hpp"

namespace cni {
namespace {

using net::Prefix;

Prefix P(const char* s) {
  return *Prefix::parse(s);
}

class RootNetlink : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    ASSERT_TRUE(ns_.ok());
    handle_ = netns::Handle::open(ns_.path());
    ASSERT_TRUE(handle_.has_value());
    sock_.emplace(nl::Socket::in(*handle_));
  }
  // A veth pair with both ends up (this kernel has no dummy driver); returns the first end.
  nl::Link dummy(const std::string& name) {
    EXPECT_TRUE(ns_.ip("link add " + name + " type veth peer name " + name + "p"));
    EXPECT_TRUE(ns_.ip("link set " + name + "p up"));
    auto l = nl::find_link(*sock_, name);
    EXPECT_TRUE(l.has_value());
    return std::move(*l);
  }
  nl::Link refresh(const nl::Link& l) { return std::move(*nl::find_link(*sock_, l.index())); }

  test::TempNetns ns_;
  std::optional<netns::Handle> handle_;
  std::optional<nl::Socket> sock_;
};

TEST_F(RootNetlink, FindsLoopbackAndReportsMissingAsNullopt) {
  auto lo = nl::find_link(*sock_, "lo");
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->name(), "lo");
  EXPECT_EQ(lo->index(), 1);
  EXPECT_FALSE(lo->is_up());
  EXPECT_FALSE(nl::find_link(*sock_, "nosuchlink0").has_value());
  EXPECT_FALSE(nl::find_link(*sock_, 4242).has_value());
  EXPECT_FALSE(nl::find_link(*sock_, "this-name-is-too-long").has_value());
}

TEST_F(RootNetlink, SocketStaysInItsNamespace) {
  // A dummy created in the throwaway namespace is invisible to a socket of this namespace.
  auto d = dummy("cnitdummy0");
  nl::Socket here;
  EXPECT_FALSE(nl::find_link(here, "cnitdummy0").has_value());
  EXPECT_TRUE(nl::find_link(*sock_, "cnitdummy0").has_value());
}

TEST_F(RootNetlink, UpDownMtuMacRename) {
  auto d = dummy("d0");
  EXPECT_EQ(d.kind(), "veth");
  nl::set_up(*sock_, d);
  EXPECT_TRUE(refresh(d).is_up());
  nl::set_down(*sock_, d);
  EXPECT_FALSE(refresh(d).is_up());
  nl::set_mtu(*sock_, d, 1400);
  EXPECT_EQ(refresh(d).mtu(), 1400);
  nl::set_mac(*sock_, d, "0a:58:0a:01:00:05");
  EXPECT_EQ(refresh(d).mac(), "0a:58:0a:01:00:05");
  nl::rename(*sock_, d, "renamed0");
  EXPECT_EQ(refresh(d).name(), "renamed0");
  EXPECT_FALSE(nl::find_link(*sock_, "d0").has_value());
}

TEST_F(RootNetlink, BadMacIsInvalidConfig) {
  auto d = dummy("d0");
  try {
    nl::set_mac(*sock_, d, "not-a-mac");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::InvalidConfig);
  }
}

TEST_F(RootNetlink, ErrorsNameTheOperationAndTheLink) {
  auto d = dummy("gone0");
  ASSERT_TRUE(ns_.ip("link del gone0"));
  try {
    nl::set_mtu(*sock_, d, 1400);
    FAIL() << "set_mtu on a deleted link succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Netlink);
    EXPECT_NE(e.msg().find("set MTU 1400"), std::string::npos) << e.msg();
    EXPECT_NE(e.msg().find("gone0"), std::string::npos) << e.msg();
  }
}

TEST_F(RootNetlink, RemoveLinkIsIdempotent) {
  auto d = dummy("d0");
  EXPECT_TRUE(nl::remove_link(*sock_, d));
  EXPECT_FALSE(nl::remove_link(*sock_, d));
  EXPECT_FALSE(nl::find_link(*sock_, "d0").has_value());
}

TEST_F(RootNetlink, MoveToAnotherNamespace) {
  test::TempNetns other;
  ASSERT_TRUE(other.ok());
  auto other_handle = netns::Handle::open(other.path());
  auto d = dummy("mv0");
  nl::move_to_netns(*sock_, d, *other_handle);
  EXPECT_FALSE(nl::find_link(*sock_, "mv0").has_value());
  auto other_sock = nl::Socket::in(*other_handle);
  EXPECT_TRUE(nl::find_link(other_sock, "mv0").has_value());
}

TEST_F(RootNetlink, ListLinks) {
  dummy("d0");
  dummy("d1");
  auto links = nl::list_links(*sock_);
  std::vector<std::string> names;
  for (const auto& l : links)
    names.push_back(l.name());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"d0", "d0p", "d1", "d1p", "lo"}));
}

TEST_F(RootNetlink, AddressesV4AndV6) {
  auto d = dummy("d0");
  nl::set_up(*sock_, d);
  EXPECT_TRUE(nl::add_address(*sock_, d, P("10.1.0.5/16")));
  EXPECT_FALSE(nl::add_address(*sock_, d, P("10.1.0.5/16")));  // already there
  EXPECT_TRUE(nl::add_address(*sock_, d, P("fd00::5/64"), {.nodad = true}));
  auto v4 = nl::list_addresses(*sock_, d.index(), net::Family::V4);
  ASSERT_EQ(v4.size(), 1u);
  EXPECT_EQ(v4[0].prefix.to_string(), "10.1.0.5/16");
  auto v6 = nl::list_addresses(*sock_, d.index(), net::Family::V6);
  auto has = [&](const char* p) {
    return std::any_of(v6.begin(), v6.end(), [&](const auto& a) { return a.prefix == P(p); });
  };
  EXPECT_TRUE(has("fd00::5/64"));
  auto it =
      std::find_if(v6.begin(), v6.end(), [](const auto& a) { return a.prefix == P("fd00::5/64"); });
  ASSERT_NE(it, v6.end());
  EXPECT_FALSE(it->flags & IFA_F_TENTATIVE) << "nodad address must not be tentative";
  EXPECT_TRUE(nl::delete_address(*sock_, d, P("10.1.0.5/16")));
  EXPECT_FALSE(nl::delete_address(*sock_, d, P("10.1.0.5/16")));
  EXPECT_TRUE(nl::list_addresses(*sock_, d.index(), net::Family::V4).empty());
}

TEST_F(RootNetlink, RoutesWithAndWithoutGateway) {
  auto d = dummy("d0");
  nl::set_up(*sock_, d);
  ASSERT_TRUE(nl::add_address(*sock_, d, P("10.1.0.5/24")));
  nl::RouteSpec def{
      .dst = P("0.0.0.0/0"), .gw = net::IpAddress::parse("10.1.0.1"), .ifindex = d.index()};
  EXPECT_TRUE(nl::add_route(*sock_, def));
  EXPECT_FALSE(nl::add_route(*sock_, def));
  nl::RouteSpec host{.dst = P("192.168.7.7/32"), .ifindex = d.index(), .priority = 50};
  EXPECT_TRUE(nl::add_route(*sock_, host));

  auto routes = nl::list_routes(*sock_, net::Family::V4, RT_TABLE_MAIN);
  auto find = [&](const Prefix& dst) {
    return std::find_if(routes.begin(), routes.end(), [&](const auto& r) { return r.dst == dst; });
  };
  auto r = find(P("0.0.0.0/0"));
  ASSERT_NE(r, routes.end());
  EXPECT_EQ(r->gw, net::IpAddress::parse("10.1.0.1"));
  EXPECT_EQ(r->ifindex, d.index());
  auto h = find(P("192.168.7.7/32"));
  ASSERT_NE(h, routes.end());
  EXPECT_EQ(h->priority, 50);
  EXPECT_EQ(h->scope, RT_SCOPE_LINK);
  EXPECT_NE(find(P("10.1.0.0/24")), routes.end()) << "the kernel's subnet route";

  EXPECT_TRUE(nl::delete_route(*sock_, def));
  EXPECT_FALSE(nl::delete_route(*sock_, def));
  routes = nl::list_routes(*sock_, net::Family::V4, RT_TABLE_MAIN);
  EXPECT_EQ(find(P("0.0.0.0/0")), routes.end());
}

TEST_F(RootNetlink, Ipv6DefaultRouteAndReplace) {
  auto d = dummy("d0");
  nl::set_up(*sock_, d);
  ASSERT_TRUE(nl::add_address(*sock_, d, P("fd00::5/64"), {.nodad = true}));
  nl::RouteSpec def{.dst = P("::/0"), .gw = net::IpAddress::parse("fd00::1"), .ifindex = d.index()};
  EXPECT_TRUE(nl::add_route(*sock_, def));
  nl::replace_route(*sock_, def);
  auto routes = nl::list_routes(*sock_, net::Family::V6, RT_TABLE_MAIN);
  EXPECT_EQ(std::count_if(routes.begin(), routes.end(),
                          [&](const auto& r) { return r.dst == P("::/0"); }),
            1);
}

TEST_F(RootNetlink, SysctlInsideTheNamespace) {
  {
    netns::Enter enter(*handle_);
    EXPECT_EQ(sys::read_sysctl("net.ipv4.conf.all.forwarding"), "0");
    sys::write_sysctl("net/ipv4/conf/all/forwarding", "1");
    EXPECT_EQ(sys::read_sysctl("net.ipv4.conf.all.forwarding"), "1");
    EXPECT_FALSE(sys::read_sysctl("net.ipv4.conf.nosuchif0.forwarding").has_value());
    EXPECT_THROW(sys::write_sysctl("net/../../etc/passwd", "x"), Error);
  }
}

TEST(Rollback, RunsInReverseUnlessCommitted) {
  std::vector<int> order;
  {
    sys::Rollback rb;
    rb.push([&] { order.push_back(1); });
    rb.push([&] { throw std::runtime_error("undo failed"); });
    rb.push([&] { order.push_back(3); });
  }
  EXPECT_EQ(order, (std::vector<int>{3, 1}));
  order.clear();
  {
    sys::Rollback rb;
    rb.push([&] { order.push_back(1); });
    rb.commit();
  }
  EXPECT_TRUE(order.empty());
}

}  // namespace
}  // namespace cni

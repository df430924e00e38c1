#include "netlink/link.hpp"

#include <gtest/gtest.h>
#include <net/if.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "cni/error.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "support/errors.hpp"
#include "support/temp_netns.hpp"

namespace cni::nl {
namespace {

// A throwaway namespace with a socket inside it. Tests create their links with `ip -n` (veth
// pairs: see TempNetns::add_link).
class RootNetlink : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    ns_ = std::make_unique<test::TempNetns>();
    ASSERT_TRUE(ns_->ok());
    sock_ = std::make_unique<Socket>(Socket::in(ns_->handle()));
  }
  void TearDown() override {
    sock_.reset();  // before the namespace goes
    ns_.reset();
  }

  Link must_find(std::string_view name) {
    auto l = find_link(*sock_, name);
    if (!l) throw std::runtime_error("link " + std::string(name) + " not found");
    return *l;
  }
  int add_link(const std::string& name) {
    if (!ns_->add_link(name)) return -1;
    return must_find(name).index();
  }

  std::unique_ptr<test::TempNetns> ns_;
  std::unique_ptr<Socket> sock_;
};

using test::error_of;

TEST_F(RootNetlink, FindsLoopbackByNameAndIndex) {
  auto lo = find_link(*sock_, "lo");
  ASSERT_TRUE(lo.has_value());
  EXPECT_EQ(lo->name(), "lo");
  EXPECT_EQ(lo->index(), 1);
  EXPECT_NE(lo->flags() & IFF_LOOPBACK, 0U);
  EXPECT_FALSE(lo->is_up()) << "a new namespace starts with lo down";
  EXPECT_EQ(lo->mac(), "00:00:00:00:00:00");
  EXPECT_EQ(lo->kind(), "");
  EXPECT_FALSE(lo->master().has_value());

  auto by_index = find_link(*sock_, 1);
  ASSERT_TRUE(by_index.has_value());
  EXPECT_EQ(by_index->name(), "lo");
}

TEST_F(RootNetlink, MissingLinksAreNullopt) {
  EXPECT_FALSE(find_link(*sock_, "nosuch0").has_value());
  EXPECT_FALSE(find_link(*sock_, 4242).has_value());
  EXPECT_FALSE(find_link(*sock_, "").has_value());
  EXPECT_FALSE(find_link(*sock_, "a-name-longer-than-15").has_value());
  EXPECT_FALSE(find_link(*sock_, 0).has_value());
  EXPECT_FALSE(find_link(*sock_, -1).has_value());
}

TEST_F(RootNetlink, SetUpAndDownAreSeenByAFreshLookup) {
  auto lo = must_find("lo");
  set_up(*sock_, lo);
  EXPECT_TRUE(must_find("lo").is_up());
  EXPECT_FALSE(lo.is_up()) << "a Link is a snapshot";
  set_down(*sock_, lo.index());
  EXPECT_FALSE(must_find("lo").is_up());
}

TEST_F(RootNetlink, KindMtuMacAndOperState) {
  const int idx = add_link("d0");
  ASSERT_GT(idx, 0);
  auto d = must_find("d0");
  EXPECT_EQ(d.kind(), "veth");
  EXPECT_EQ(d.oper_state(), OperState::Down);
  EXPECT_EQ(d.mac().size(), 17U);

  set_mtu(*sock_, d, 1400);
  EXPECT_EQ(must_find("d0").mtu(), 1400);
  set_mtu(*sock_, idx, 9000);
  EXPECT_EQ(must_find("d0").mtu(), 9000);

  set_mac(*sock_, d, "02:00:00:AA:bb:01");
  EXPECT_EQ(must_find("d0").mac(), "02:00:00:aa:bb:01");
  set_mac(*sock_, d, "02-00-00-aa-bb-02");
  EXPECT_EQ(must_find("d0").mac(), "02:00:00:aa:bb:02");

  set_up(*sock_, d);
  EXPECT_EQ(must_find("d0").oper_state(), OperState::Up);
}

TEST_F(RootNetlink, PromiscAllmultiAndTxqlen) {
  const int idx = add_link("pa0");
  ASSERT_GT(idx, 0);
  auto l = must_find("pa0");
  EXPECT_FALSE(l.is_promisc());
  EXPECT_FALSE(l.is_allmulti());
  set_promisc(*sock_, idx, true);
  set_promisc(*sock_, idx, true);  // a user flag: twice counts once
  set_allmulti(*sock_, idx, true);
  set_txqlen(*sock_, idx, 4321);
  l = must_find("pa0");
  EXPECT_TRUE(l.is_promisc());
  EXPECT_TRUE(l.is_allmulti());
  EXPECT_EQ(l.txqlen(), 4321U);
  EXPECT_TRUE(l.is_up() == false) << "other flags untouched";
  set_promisc(*sock_, idx, false);
  set_allmulti(*sock_, idx, false);
  set_txqlen(*sock_, idx, 0);
  l = must_find("pa0");
  EXPECT_FALSE(l.is_promisc());
  EXPECT_FALSE(l.is_allmulti());
  EXPECT_EQ(l.txqlen(), 0U);
  auto e = error_of([&] { set_promisc(*sock_, 9999, true); });
  EXPECT_EQ(e.msg().rfind("set promiscuous mode on for ifindex 9999: ", 0), 0U) << e.msg();
}

TEST_F(RootNetlink, MalformedMacIsInvalidConfig) {
  const int idx = add_link("d0");
  ASSERT_GT(idx, 0);
  for (const char* bad : {"", "02:00:00:aa:bb", "02:00:00:aa:bb:0g", "02:00-00:aa:bb:01",
                          "0200.00aa.bb01", "02:00:00:aa:bb:01:02"}) {
    auto e = error_of([&] { set_mac(*sock_, idx, bad); });
    EXPECT_EQ(e.code(), Code::InvalidConfig) << bad;
    EXPECT_NE(e.msg().find("d0"), std::string::npos) << e.msg();
  }
}

TEST_F(RootNetlink, RenameKeepsTheIndex) {
  const int idx = add_link("d0");
  ASSERT_GT(idx, 0);
  rename(*sock_, must_find("d0"), "renamed0");
  EXPECT_FALSE(find_link(*sock_, "d0").has_value());
  auto r = find_link(*sock_, "renamed0");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->index(), idx);
}

TEST_F(RootNetlink, RenameErrorsNameBothLinks) {
  const int idx = add_link("d0");
  ASSERT_GT(idx, 0);
  auto taken = error_of([&] { rename(*sock_, idx, "lo"); });
  EXPECT_EQ(taken.code(), Code::Netlink);
  EXPECT_EQ(taken.msg(), "rename d0 to lo: File exists");

  auto too_long = error_of([&] { rename(*sock_, idx, "sixteen-chars-xx"); });
  EXPECT_EQ(too_long.code(), Code::InvalidConfig);
  EXPECT_FALSE(find_link(*sock_, "sixteen-chars-x").has_value()) << "must not be truncated";
}

TEST_F(RootNetlink, ErrorOnAMissingIfindexNamesTheOperation) {
  auto e = error_of([&] { set_mtu(*sock_, 4242, 1400); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg(), "set MTU 1400 on ifindex 4242: No such device");
  EXPECT_NE(e.details().find("errno 19"), std::string::npos) << e.details();

  auto up = error_of([&] { set_up(*sock_, LinkRef(4242, "eth7")); });
  EXPECT_EQ(up.msg(), "set link up eth7: No such device");

  auto zero = error_of([&] { set_down(*sock_, 0); });
  EXPECT_EQ(zero.msg(), "set link down ifindex 0: No such device");
}

TEST_F(RootNetlink, ErrorOnAStaleLinkNamesIt) {
  ASSERT_GT(add_link("gone0"), 0);
  auto stale = must_find("gone0");
  ASSERT_TRUE(ns_->ip("link del gone0"));
  auto e = error_of([&] { set_mtu(*sock_, stale, 1400); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg(), "set MTU 1400 on gone0: No such device");
  EXPECT_FALSE(remove_link(*sock_, stale));
}

TEST_F(RootNetlink, KernelExtendedAckMessageIsKept) {
  ASSERT_TRUE(ns_->ip({"link", "add", "v0", "type", "veth", "peer", "name", "v1"}));
  auto e = error_of([&] { set_mtu(*sock_, must_find("v0"), 70000); });
  EXPECT_EQ(e.code(), Code::Netlink);
  EXPECT_EQ(e.msg().rfind("set MTU 70000 on v0: Invalid argument", 0), 0U) << e.msg();
  // Kernels with extended ACKs explain themselves: "... (mtu greater than device maximum)".
  if (!sock_->kernel_error().message.empty()) {
    EXPECT_NE(e.msg().find(" (" + sock_->kernel_error().message + ")"), std::string::npos);
  }
  // The next request starts clean.
  EXPECT_TRUE(find_link(*sock_, "lo").has_value());
  EXPECT_EQ(sock_->kernel_error().error, 0);
}

TEST_F(RootNetlink, RemoveLinkIsIdempotent) {
  const int idx = add_link("d0");
  ASSERT_GT(idx, 0);
  EXPECT_TRUE(remove_link(*sock_, idx));
  EXPECT_FALSE(find_link(*sock_, "d0").has_value());
  EXPECT_FALSE(remove_link(*sock_, idx));

  ASSERT_GT(add_link("d1"), 0);
  EXPECT_TRUE(remove_link(*sock_, "d1"));
  EXPECT_FALSE(remove_link(*sock_, "d1"));
  EXPECT_FALSE(remove_link(*sock_, std::string_view{}));
}

TEST_F(RootNetlink, ListLinksSeesEveryLink) {
  ASSERT_GT(add_link("d0"), 0);
  ASSERT_GT(add_link("d1"), 0);
  auto links = list_links(*sock_);
  std::vector<std::string> names;
  names.reserve(links.size());
  for (const auto& l : links)
    names.push_back(l.name());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"d0", "d0p", "d1", "d1p", "lo"}));
  Link copy = links.front();  // copies share the snapshot
  EXPECT_EQ(copy.index(), links.front().index());
}

TEST_F(RootNetlink, MasterAndRelease) {
  const int d = add_link("d0");
  ASSERT_GT(d, 0);
  ASSERT_TRUE(ns_->ip({"link", "add", "br0", "type", "bridge"}));
  auto br = must_find("br0");
  EXPECT_EQ(br.kind(), "bridge");
  set_master(*sock_, d, br.index());
  EXPECT_EQ(must_find("d0").master(), br.index());
  set_master(*sock_, d, 0);
  EXPECT_FALSE(must_find("d0").master().has_value());
}

TEST_F(RootNetlink, SocketSeesOnlyItsOwnNamespace) {
  test::TempNetns other;
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other.add_link("elsewhere0"));
  EXPECT_FALSE(find_link(*sock_, "elsewhere0").has_value());
  auto other_sock = Socket::in(other.handle());
  EXPECT_TRUE(find_link(other_sock, "elsewhere0").has_value());
  // Socket::in returns to the caller's namespace.
  EXPECT_EQ(if_nametoindex("elsewhere0"), 0U);
}

TEST_F(RootNetlink, MoveToAnotherNamespace) {
  test::TempNetns other;
  ASSERT_TRUE(other.ok());
  const int idx = add_link("mv0");
  ASSERT_GT(idx, 0);
  move_to_netns(*sock_, idx, other.handle());
  EXPECT_FALSE(find_link(*sock_, "mv0").has_value());
  auto other_sock = Socket::in(other.handle());
  auto moved = find_link(other_sock, "mv0");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->kind(), "veth");

  auto e = error_of([&] { move_to_netns(*sock_, idx, other.handle()); });
  EXPECT_EQ(e.msg(), "move ifindex " + std::to_string(idx) + " to netns " + other.path() +
                         ": No such device");
}

TEST_F(RootNetlink, VethPeerAcrossNamespaces) {
  test::TempNetns other;
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(
      ns_->ip({"link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", other.name()}));
  auto other_sock = Socket::in(other.handle());
  auto v0 = must_find("v0");
  auto v1 = find_link(other_sock, "v1");
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v0.kind(), "veth");
  EXPECT_EQ(v0.peer_index(), v1->index());
  EXPECT_TRUE(v0.link_netnsid().has_value());

  set_up(*sock_, v0);
  set_up(other_sock, *v1);
  EXPECT_EQ(must_find("v0").oper_state(), OperState::Up);

  // Deleting one end deletes the pair.
  EXPECT_TRUE(remove_link(*sock_, v0));
  EXPECT_FALSE(find_link(other_sock, "v1").has_value());
}

TEST_F(RootNetlink, VethPeerInTheSameNamespaceHasNoNetnsid) {
  ASSERT_TRUE(ns_->ip({"link", "add", "v0", "type", "veth", "peer", "name", "v1"}));
  EXPECT_EQ(must_find("v0").peer_index(), must_find("v1").index());
  EXPECT_FALSE(must_find("v0").link_netnsid().has_value());
}

}  // namespace
}  // namespace cni::nl

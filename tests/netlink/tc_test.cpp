#include "netlink/tc.hpp"

#include <gtest/gtest.h>
#include <linux/tc_act/tc_mirred.h>

#include <algorithm>
#include <string>

#include "cni/error.hpp"
#include "netlink/ifb.hpp"
#include "netlink/nsid.hpp"
#include "netlink/veth.hpp"
#include "support/errors.hpp"
#include "two_ns_fixture.hpp"

namespace cni::nl {
namespace {

using test::error_of;
using test::json_of;

TEST(TcHandle, FormatsAsTc) {
  EXPECT_EQ(format_handle(0x00010000U), "1:");
  EXPECT_EQ(format_handle(kIngressHandle), "ffff:");
  EXPECT_EQ(format_handle(kIngressParent), "ffff:fff1");
  EXPECT_EQ(format_handle(0x00010001U), "1:1");
}

class RootTc : public test::RootTwoNetns {
 protected:
  void SetUp() override {
    test::RootTwoNetns::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    ASSERT_EQ(create_veth(*hsock_, {.host_name = "vh0",
                                    .peer_name = "eth0",
                                    .peer_ns = cont_handle_.get(),
                                    .host_up = true}),
              VethOutcome::Created);
  }
  nlohmann::json tc(const std::string& args) const {
    return json_of("ip netns exec " + host_->name() + " tc -j " + args);
  }
  std::optional<Qdisc> root_of(const Link& l) {
    for (auto& q : list_qdiscs(*hsock_, l.index())) {
      if (q.parent == kRootParent) return q;
    }
    return std::nullopt;
  }
};

TEST_F(RootTc, TbfRootReadsBackAsWrittenAndAsTcShowsIt) {
  const Link veth = host_link("vh0");
  const TbfParams p{.rate = 1000000, .buffer = 312500, .limit = 45000};
  add_tbf_root(*hsock_, veth, 0x00010000U, p);
  auto q = root_of(veth);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kind, "tbf");
  EXPECT_EQ(q->handle, 0x00010000U);
  ASSERT_TRUE(q->tbf);
  EXPECT_EQ(*q->tbf, p);
  const auto shown = tc("qdisc show dev vh0");
  ASSERT_TRUE(shown.is_array() && !shown.empty()) << shown;
  EXPECT_EQ(shown[0]["options"],
            (nlohmann::json{{"rate", 1000000}, {"burst", 20000}, {"lat", 25000}}));
  // A second root is refused; deleting it leaves the default, twice is "gone".
  EXPECT_EQ(error_of([&] { add_tbf_root(*hsock_, veth, 0x00010000U, p); }).code(), Code::Netlink);
  EXPECT_TRUE(delete_qdisc(*hsock_, veth, kRootParent, 0x00010000U));
  EXPECT_FALSE(delete_qdisc(*hsock_, veth, kRootParent, 0x00010000U));
  q = root_of(veth);
  EXPECT_TRUE(!q || q->kind != "tbf");
}

TEST_F(RootTc, Rate64) {
  const Link veth = host_link("vh0");
  const TbfParams p{.rate = 12500000000ULL, .buffer = 156250, .limit = 437500000};
  add_tbf_root(*hsock_, veth, 0x00010000U, p);
  auto q = root_of(veth);
  ASSERT_TRUE(q && q->tbf);
  EXPECT_EQ(*q->tbf, p);
}

TEST_F(RootTc, IfbWithAliasIngressAndRedirect) {
  const Link veth = host_link("vh0");
  const Link ifb = create_ifb(*hsock_, "bwptest", 1400, 0);
  EXPECT_EQ(ifb.kind(), "ifb");
  EXPECT_EQ(ifb.mtu(), 1400);
  EXPECT_TRUE(ifb.is_up());
  const auto details = ip_details("bwptest");  // ip -j leaves txqlen out when it is 0
  EXPECT_TRUE(details.is_object() && (!details.contains("txqlen") || details["txqlen"] == 0))
      << details;
  set_alias(*hsock_, ifb, "cni-bandwidth n c eth0");
  EXPECT_EQ(alias(host_link("bwptest")), "cni-bandwidth n c eth0");
  EXPECT_EQ(error_of([&] { create_ifb(*hsock_, "bwptest", 0); }).code(), Code::Netlink);
  EXPECT_EQ(error_of([&] { set_alias(*hsock_, ifb, std::string(256, 'a')); }).code(),
            Code::InvalidConfig);

  EXPECT_TRUE(list_filters(*hsock_, veth.index(), kIngressHandle).empty()) << "no qdisc yet";
  add_ingress_qdisc(*hsock_, veth);
  add_ingress_redirect(*hsock_, veth, ifb);
  const auto qs = list_qdiscs(*hsock_, veth.index());
  EXPECT_TRUE(std::any_of(qs.begin(), qs.end(), [](const auto& q) {
    return q.kind == "ingress" && q.handle == kIngressHandle && q.parent == kIngressParent;
  }));
  const auto fs = list_filters(*hsock_, veth.index(), kIngressHandle);
  const auto f =
      std::find_if(fs.begin(), fs.end(), [](const auto& x) { return !x.mirred.empty(); });
  ASSERT_NE(f, fs.end());
  EXPECT_EQ(f->kind, "u32");
  EXPECT_EQ(f->priority, 1);
  EXPECT_EQ(f->protocol, 0x0003);  // ETH_P_ALL
  EXPECT_EQ(f->classid, 0x00010001U);
  ASSERT_EQ(f->mirred.size(), 1U);
  EXPECT_EQ(f->mirred[0].eaction, TCA_EGRESS_REDIR);
  EXPECT_EQ(f->mirred[0].action, TC_ACT_STOLEN);
  EXPECT_EQ(f->mirred[0].ifindex, ifb.index());

  EXPECT_TRUE(delete_qdisc(*hsock_, veth, kIngressParent, kIngressHandle));
  EXPECT_FALSE(delete_qdisc(*hsock_, veth, kIngressParent, kIngressHandle));
  EXPECT_TRUE(list_filters(*hsock_, veth.index(), kIngressHandle).empty());
  EXPECT_TRUE(remove_link(*hsock_, "bwptest"));
}

TEST_F(RootTc, NetnsIdConfirmsTheVethPeerNamespace) {
  const Link veth = host_link("vh0");
  ASSERT_TRUE(veth.link_netnsid());
  EXPECT_EQ(netnsid_of(*hsock_, *cont_handle_), veth.link_netnsid());
  // The host namespace has no id for itself from its own view unless assigned: never the peer's.
  EXPECT_NE(netnsid_of(*hsock_, host_->handle()), veth.link_netnsid());
  // The socket stays usable (the ACK of the request was consumed).
  EXPECT_TRUE(find_link(*hsock_, "vh0"));
}

}  // namespace
}  // namespace cni::nl

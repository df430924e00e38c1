#include <gtest/gtest.h>

#include "gateway.hpp"

namespace cni::bridge {
namespace {

net::Prefix P(const char* s) {
  return *net::Prefix::parse(s);
}
net::IpAddress A(const char* s) {
  return P(s).address();
}

Result ipam_result() {
  Result r;
  r.ips.push_back({.address = P("10.1.0.5/16")});
  r.ips.push_back({.address = P("fd00::5/64"), .gateway = A("fd00::fe/128")});
  return r;
}

TEST(BridgeGateways, NothingWithoutIsGateway) {
  Result r = ipam_result();
  Config cfg;
  EXPECT_TRUE(plan_gateways(r, cfg).empty());
  EXPECT_FALSE(r.ips[0].gateway);  // left alone
  EXPECT_TRUE(r.routes.empty());
}

TEST(BridgeGateways, IsGatewayFillsNetworkPlusOne) {
  Result r = ipam_result();
  Config cfg;
  cfg.is_gateway = true;
  const GatewayPlan plan = plan_gateways(r, cfg);
  EXPECT_EQ(r.ips[0].gateway, A("10.1.0.1/32"));
  ASSERT_EQ(plan.v4.size(), 1U);
  EXPECT_EQ(plan.v4[0], P("10.1.0.1/16"));  // the container address's prefix length
  ASSERT_EQ(plan.v6.size(), 1U);
  EXPECT_EQ(plan.v6[0], P("fd00::fe/64"));  // IPAM's gateway kept
  EXPECT_TRUE(r.routes.empty());
}

TEST(BridgeGateways, DefaultGatewayAddsOneDefaultRoutePerFamily) {
  Result r = ipam_result();
  r.ips.push_back({.address = P("10.2.0.5/24")});
  Config cfg;
  cfg.is_gateway = cfg.is_default_gateway = true;
  const GatewayPlan plan = plan_gateways(r, cfg);
  ASSERT_EQ(r.routes.size(), 2U);
  EXPECT_EQ(r.routes[0].dst, P("0.0.0.0/0"));
  EXPECT_EQ(r.routes[0].gw, A("10.1.0.1/32"));
  EXPECT_EQ(r.routes[1].dst, P("::/0"));
  EXPECT_EQ(r.routes[1].gw, A("fd00::fe/128"));
  EXPECT_EQ(plan.v4.size(), 2U);  // both subnets' gateways on the bridge
}

TEST(BridgeGateways, ExistingDefaultRouteWithGatewayIsKept) {
  Result r = ipam_result();
  r.routes.push_back({.dst = P("0.0.0.0/0"), .gw = A("10.1.0.254/32")});
  Config cfg;
  cfg.is_gateway = cfg.is_default_gateway = true;
  plan_gateways(r, cfg);
  ASSERT_EQ(r.routes.size(), 2U);  // only ::/0 added
  EXPECT_EQ(r.routes[0].gw, A("10.1.0.254/32"));
  EXPECT_EQ(r.routes[1].dst, P("::/0"));
}

}  // namespace
}  // namespace cni::bridge

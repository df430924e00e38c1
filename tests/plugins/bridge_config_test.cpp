#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "config.hpp"
#include "support/errors.hpp"

namespace cni::bridge {
namespace {

using nlohmann::json;
using test::code_of;
using test::error_of;
constexpr int kInvalidConfig = static_cast<int>(Code::InvalidConfig);
constexpr int kDecodingFailure = static_cast<int>(Code::DecodingFailure);

Request request(const json& conf, Command command = Command::Add) {
  Request r;
  r.command = command;
  r.conf.raw = conf;
  r.conf.ipam = conf.contains("ipam") ? conf["ipam"] : json();
  return r;
}

json base(const json& extra = json::object()) {
  json c = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "bridge"}};
  c.update(extra);
  return c;
}

TEST(BridgeConfig, Defaults) {
  const Config c = parse_config(request(base()));
  EXPECT_EQ(c.bridge, "cni0");
  EXPECT_FALSE(c.is_gateway);
  EXPECT_FALSE(c.ip_masq);
  EXPECT_EQ(c.mtu, 0);
  EXPECT_EQ(c.vlan, 0);
  EXPECT_TRUE(c.vlan_trunk.empty());
  EXPECT_TRUE(c.ipam_type.empty());
  EXPECT_FALSE(c.mac);
}

TEST(BridgeConfig, DefaultGatewayImpliesGateway) {
  const Config c = parse_config(request(base({{"isDefaultGateway", true}})));
  EXPECT_TRUE(c.is_gateway);
  EXPECT_TRUE(c.is_default_gateway);
}

TEST(BridgeConfig, HairpinWithPromiscIsRefused) {
  auto e = error_of([&] {
    parse_config(request(base({{"hairpinMode", true}, {"promiscMode", true}})));
  });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_NE(e.msg().find("hairpinMode"), std::string::npos);
}

TEST(BridgeConfig, DisableContainerInterfaceWithIpamIsRefused) {
  auto e = error_of([&] {
    parse_config(
        request(base({{"disableContainerInterface", true}, {"ipam", {{"type", "host-local"}}}})));
  });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_NE(e.msg().find("disableContainerInterface"), std::string::npos);
  EXPECT_NO_THROW(parse_config(request(base({{"disableContainerInterface", true}}))));
}

TEST(BridgeConfig, VlanRange) {
  EXPECT_EQ(parse_config(request(base({{"vlan", 4094}}))).vlan, 4094);
  EXPECT_EQ(code_of([&] { parse_config(request(base({{"vlan", 4095}}))); }), kInvalidConfig);
  EXPECT_EQ(code_of([&] { parse_config(request(base({{"vlan", -1}}))); }), kInvalidConfig);
  EXPECT_EQ(code_of([&] { parse_config(request(base({{"vlan", "5"}}))); }), kDecodingFailure);
}

TEST(BridgeConfig, VlanTrunkEntries) {
  const Config c = parse_config(
      request(base({{"vlanTrunk", json::array({{{"id", 5}}, {{"minID", 10}, {"maxID", 20}}})}})));
  ASSERT_EQ(c.vlan_trunk.size(), 2U);
  EXPECT_EQ(c.vlan_trunk[0], std::make_pair(5, 5));
  EXPECT_EQ(c.vlan_trunk[1], std::make_pair(10, 20));
  EXPECT_TRUE(c.has_vlans());
}

TEST(BridgeConfig, VlanTrunkErrorsNameTheEntry) {
  for (const json& bad : {json::array({{{"minID", 10}}}), json::array({{{"maxID", 10}}}),
                          json::array({{{"minID", 20}, {"maxID", 10}}}), json::array({{{"id", 0}}}),
                          json::array({{{"id", 4095}}}), json::array({json::object()})}) {
    auto e = error_of([&] { parse_config(request(base({{"vlanTrunk", bad}}))); });
    EXPECT_EQ(e.code(), Code::InvalidConfig) << bad.dump();
    EXPECT_NE(e.msg().find("vlanTrunk[0]"), std::string::npos) << e.msg();
  }
  EXPECT_EQ(code_of([&] { parse_config(request(base({{"vlanTrunk", 5}}))); }), kDecodingFailure);
}

TEST(BridgeConfig, BridgeNameIsAnInterfaceName) {
  for (const char* bad : {"a/b", "..", "0123456789abcdef", "br 0"}) {
    auto e = error_of([&] { parse_config(request(base({{"bridge", bad}}))); });
    EXPECT_EQ(e.code(), Code::InvalidConfig) << bad;
    EXPECT_NE(e.msg().find("bridge"), std::string::npos) << e.msg();
  }
}

TEST(BridgeConfig, MacPrecedence) {
  json c = base({{"runtimeConfig", {{"mac", "02:00:00:00:00:01"}}},
                 {"args", {{"cni", {{"mac", "02:00:00:00:00:02"}}}}}});
  EXPECT_EQ(parse_config(request(c)).mac, "02:00:00:00:00:01");
  c.erase("runtimeConfig");
  EXPECT_EQ(parse_config(request(c)).mac, "02:00:00:00:00:02");
  EXPECT_FALSE(parse_config(request(c, Command::Del)).mac);  // DEL does not need it
}

TEST(BridgeConfig, MasqBackend) {
  EXPECT_NO_THROW(parse_config(request(base({{"ipMasqBackend", "iptables"}}))));
  EXPECT_NO_THROW(parse_config(request(base({{"ipMasqBackend", "nftables"}}))));
  EXPECT_EQ(code_of([&] {
              parse_config(request(base({{"ipMasqBackend", "pf"}})));
            }),
            kInvalidConfig);
}

}  // namespace
}  // namespace cni::bridge

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "config.hpp"
#include "portmap.hpp"
#include "support/errors.hpp"

namespace cni::portmap {
namespace {

using nlohmann::json;
using test::error_of;
constexpr Code kInvalid = Code::InvalidConfig;
constexpr Code kDecoding = Code::DecodingFailure;

json with_mappings(const json& mappings, const json& extra = json::object()) {
  json c = {{"cniVersion", "1.0.0"},
            {"name", "n"},
            {"type", "portmap"},
            {"runtimeConfig", {{"portMappings", mappings}}}};
  c.update(extra);
  return c;
}

json one(const json& entry) {
  return with_mappings(json::array({entry}));
}

TEST(PortmapConfig, DefaultsAndMappings) {
  const Config c = parse_config_json(with_mappings(json::parse(R"([
    {"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
    {"hostPort": 5353, "containerPort": 53, "protocol": "UDP", "hostIP": "127.0.0.1"},
    {"hostPort": 9999, "containerPort": 9, "protocol": "sctp", "hostIP": ""},
    {"hostPort": 65535, "containerPort": 1, "protocol": "tcp", "hostIP": "::"}])")));
  EXPECT_TRUE(c.snat);
  EXPECT_FALSE(c.masq_all);
  ASSERT_EQ(c.mappings.size(), 4U);
  EXPECT_EQ(c.mappings[0],
            (Mapping{.proto = IPPROTO_TCP, .host_port = 8080, .container_port = 80}));
  EXPECT_EQ(c.mappings[1].proto, IPPROTO_UDP);
  EXPECT_EQ(c.mappings[1].host_ip, net::IpAddress::parse("127.0.0.1"));
  EXPECT_EQ(c.mappings[2].proto, IPPROTO_SCTP);
  EXPECT_FALSE(c.mappings[2].host_ip);
  EXPECT_EQ(c.mappings[3].host_ip, net::IpAddress::parse("::"));
}

TEST(PortmapConfig, NoMappings) {
  json c = with_mappings(json::array());
  EXPECT_TRUE(parse_config_json(c).mappings.empty());
  c.erase("runtimeConfig");
  EXPECT_TRUE(parse_config_json(c).mappings.empty());
  c["runtimeConfig"] = json::object();
  EXPECT_TRUE(parse_config_json(c).mappings.empty());
  c["runtimeConfig"]["portMappings"] = nullptr;
  EXPECT_TRUE(parse_config_json(c).mappings.empty());
}

TEST(PortmapConfig, Keys) {
  const Config c = parse_config_json(
      with_mappings(json::array(), {{"snat", false},
                                    {"masqAll", true},
                                    {"markMasqBit", 13},
                                    {"backend", "iptables"},
                                    {"conditionsV4", {"!", "-s", "10.0.0.0/8"}}}));
  EXPECT_FALSE(c.snat);
  EXPECT_TRUE(c.masq_all);
  ASSERT_EQ(c.conditions_v4.size(), 1U);
  EXPECT_EQ(c.conditions_v4[0].op, nft::CmpOp::Neq);
  EXPECT_NO_THROW(parse_config_json(with_mappings(json::array(), {{"backend", "nftables"}})));
  EXPECT_NO_THROW(parse_config_json(with_mappings(json::array(), {{"backend", ""}})));
}

struct BadCase {
  const char* name;
  json conf;
  Code code;
  const char* msg;  // expected start of the message
};

TEST(PortmapConfig, EveryBadInputNamesItsField) {
  const std::vector<BadCase> cases = {
      {"hostPort 0", one({{"hostPort", 0}, {"containerPort", 80}, {"protocol", "tcp"}}), kInvalid,
       "runtimeConfig.portMappings[0].hostPort: 0 is out of range [1, 65535]"},
      {"hostPort missing", one({{"containerPort", 80}, {"protocol", "tcp"}}), kInvalid,
       "runtimeConfig.portMappings[0].hostPort: missing"},
      {"hostPort too big", one({{"hostPort", 65536}, {"containerPort", 80}, {"protocol", "tcp"}}),
       kInvalid, "runtimeConfig.portMappings[0].hostPort: 65536 is out of range"},
      {"hostPort negative", one({{"hostPort", -1}, {"containerPort", 80}, {"protocol", "tcp"}}),
       kInvalid, "runtimeConfig.portMappings[0].hostPort: -1"},
      {"hostPort string", one({{"hostPort", "80"}, {"containerPort", 80}, {"protocol", "tcp"}}),
       kDecoding, "runtimeConfig.portMappings[0].hostPort: must be an integer"},
      {"hostPort float", one({{"hostPort", 80.5}, {"containerPort", 80}, {"protocol", "tcp"}}),
       kDecoding, "runtimeConfig.portMappings[0].hostPort: must be an integer"},
      {"containerPort 0", one({{"hostPort", 80}, {"containerPort", 0}, {"protocol", "tcp"}}),
       kInvalid, "runtimeConfig.portMappings[0].containerPort: 0 is out of range"},
      {"protocol unknown", one({{"hostPort", 80}, {"containerPort", 80}, {"protocol", "icmp"}}),
       kInvalid, "runtimeConfig.portMappings[0].protocol: \"icmp\" is not tcp, udp or sctp"},
      {"protocol missing", one({{"hostPort", 80}, {"containerPort", 80}}), kInvalid,
       "runtimeConfig.portMappings[0].protocol"},
      {"protocol number", one({{"hostPort", 80}, {"containerPort", 80}, {"protocol", 6}}),
       kDecoding, "runtimeConfig.portMappings[0].protocol: must be a string"},
      {"hostIP not an address",
       one({{"hostPort", 80}, {"containerPort", 80}, {"protocol", "tcp"}, {"hostIP", "x"}}),
       kInvalid, "runtimeConfig.portMappings[0].hostIP: \"x\" is not an IP address"},
      {"hostIP a prefix",
       one({{"hostPort", 80},
            {"containerPort", 80},
            {"protocol", "tcp"},
            {"hostIP", "1.2.3.0/24"}}),
       kInvalid, "runtimeConfig.portMappings[0].hostIP"},
      {"hostIP number",
       one({{"hostPort", 80}, {"containerPort", 80}, {"protocol", "tcp"}, {"hostIP", 1}}),
       kDecoding, "runtimeConfig.portMappings[0].hostIP: must be a string"},
      {"entry not an object", with_mappings(json::array({80})), kDecoding,
       "runtimeConfig.portMappings[0]: must be an object"},
      {"second entry bad",
       with_mappings(
           json::array({{{"hostPort", 80}, {"containerPort", 80}, {"protocol", "tcp"}},
                        {{"hostPort", 70000}, {"containerPort", 80}, {"protocol", "tcp"}}})),
       kInvalid, "runtimeConfig.portMappings[1].hostPort"},
      {"portMappings not a list", with_mappings(json::object()), kDecoding,
       "runtimeConfig.portMappings: must be a list"},
      {"runtimeConfig not an object", with_mappings(json::array(), {{"runtimeConfig", 5}}),
       kDecoding, "runtimeConfig: must be an object"},
      {"snat string", with_mappings(json::array(), {{"snat", "yes"}}), kDecoding, "snat"},
      {"masqAll number", with_mappings(json::array(), {{"masqAll", 1}}), kDecoding, "masqAll"},
      {"backend unknown", with_mappings(json::array(), {{"backend", "ebpf"}}), kInvalid,
       "backend: \"ebpf\" is not supported"},
      {"backend number", with_mappings(json::array(), {{"backend", 1}}), kDecoding, "backend"},
      {"markMasqBit 32", with_mappings(json::array(), {{"markMasqBit", 32}}), kInvalid,
       "markMasqBit: 32 is out of range [0, 31]"},
      {"markMasqBit string", with_mappings(json::array(), {{"markMasqBit", "13"}}), kDecoding,
       "markMasqBit"},
      {"externalSetMarkChain",
       with_mappings(json::array(), {{"externalSetMarkChain", "KUBE-MARK"}}), kInvalid,
       "externalSetMarkChain: \"KUBE-MARK\" cannot be used"},
      {"both mark keys",
       with_mappings(json::array(), {{"externalSetMarkChain", "X"}, {"markMasqBit", 5}}), kInvalid,
       "externalSetMarkChain: cannot be given together with markMasqBit"},
      {"conditions not a list",
       with_mappings(json::array(), {{"conditionsV4", "ip saddr 1.2.3.4"}}), kDecoding,
       "conditionsV4: must be a list of strings"},
      {"condition not a string", with_mappings(json::array(), {{"conditionsV6", {1}}}), kDecoding,
       "conditionsV6[0]: must be a string"},
      {"condition unsupported", with_mappings(json::array(), {{"conditionsV4", {"tcp flags syn"}}}),
       kInvalid, "conditionsV4: \"tcp\" is not supported"},
      {"condition other family",
       with_mappings(json::array(), {{"conditionsV4", {"ip6 saddr ::1"}}}), kInvalid,
       "conditionsV4: \"ip6\" matches the other IP family"},
      {"condition address of the other family",
       with_mappings(json::array(), {{"conditionsV6", {"-s", "10.0.0.0/8"}}}), kInvalid,
       "conditionsV6: \"10.0.0.0/8\" is not an IPv6 address"},
      {"condition bad address", with_mappings(json::array(), {{"conditionsV4", {"-d", "nowhere"}}}),
       kInvalid, "conditionsV4: \"nowhere\" is not an address or prefix"},
      {"condition truncated", with_mappings(json::array(), {{"conditionsV4", {"ip", "saddr"}}}),
       kInvalid, "conditionsV4: missing an address at the end"},
      {"condition wildcard ifname",
       with_mappings(json::array(), {{"conditionsV4", {"-i", "eth+"}}}), kInvalid,
       "conditionsV4: \"eth+\" is not an interface name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Error e = error_of([&] { parse_config_json(c.conf); });
    EXPECT_EQ(e.code(), c.code) << e.msg();
    EXPECT_EQ(e.msg().rfind(c.msg, 0), 0U) << e.msg();
  }
}

TEST(PortmapConditions, NftAndIptablesForms) {
  using K = nft::Condition::Kind;
  const auto v4 =
      parse_conditions(json::array({"ip saddr != 10.0.0.0/8", "ip", "daddr", "192.168.1.1",
                                    "iifname \"eth0\"", "meta oifname != br0", "! -s 172.16.0.0/12",
                                    "-d ! 1.2.3.4", "--in-interface", "wlan0", "-o", "eth1"}),
                       net::Family::V4, "conditionsV4");
  ASSERT_EQ(v4.size(), 8U);
  EXPECT_EQ(v4[0], (nft::Condition{.kind = K::Saddr,
                                   .op = nft::CmpOp::Neq,
                                   .prefix = *net::Prefix::parse("10.0.0.0/8")}));
  EXPECT_EQ(v4[1].prefix, *net::Prefix::parse("192.168.1.1/32"));
  EXPECT_EQ(v4[2].ifname, "eth0");
  EXPECT_EQ(v4[2].kind, K::Iifname);
  EXPECT_EQ(v4[3].kind, K::Oifname);
  EXPECT_EQ(v4[3].op, nft::CmpOp::Neq);
  EXPECT_EQ(v4[4].op, nft::CmpOp::Neq);
  EXPECT_EQ(v4[5].op, nft::CmpOp::Neq);
  EXPECT_EQ(v4[5].kind, K::Daddr);
  EXPECT_EQ(v4[6].ifname, "wlan0");
  EXPECT_EQ(v4[7].kind, K::Oifname);
  const auto v6 = parse_conditions(json::array({"ip6 saddr fd00::/8"}), net::Family::V6, "c");
  ASSERT_EQ(v6.size(), 1U);
  EXPECT_TRUE(parse_conditions(json(), net::Family::V4, "c").empty());
  EXPECT_TRUE(parse_conditions(json::array(), net::Family::V4, "c").empty());
}

Result prev_result() {
  Result r;
  r.interfaces = {{.name = "br0"},
                  {.name = "veth1"},
                  {.name = "eth0", .sandbox = "/run/netns/x"},
                  {.name = "eth1", .sandbox = "/run/netns/x"}};
  r.ips = {{.address = *net::Prefix::parse("10.9.0.9/24"), .interface = 3},  // other ifname
           {.address = *net::Prefix::parse("10.0.0.5/16"), .interface = 2},
           {.address = *net::Prefix::parse("10.0.0.6/16"), .interface = 2},  // not the first
           {.address = *net::Prefix::parse("fd00::5/64"), .interface = 1},   // host side
           {.address = *net::Prefix::parse("fd00::6/64")}};                  // no interface
  return r;
}

TEST(PortmapAddresses, PicksTheFirstOfEachFamilyOnTheContainerInterface) {
  const auto a = container_addresses(prev_result(), "eth0");
  EXPECT_EQ(a.v4, net::Prefix::parse("10.0.0.5/16"));
  EXPECT_EQ(a.v6, net::Prefix::parse("fd00::6/64"));
  EXPECT_EQ(container_addresses(prev_result(), "eth1").v4, net::Prefix::parse("10.9.0.9/24"));
}

TEST(PortmapPlans, HostIpSelectsTheFamily) {
  const Config cfg = parse_config_json(with_mappings(json::parse(R"([
    {"hostPort": 1, "containerPort": 1, "protocol": "tcp"},
    {"hostPort": 2, "containerPort": 2, "protocol": "tcp", "hostIP": "0.0.0.0"},
    {"hostPort": 3, "containerPort": 3, "protocol": "tcp", "hostIP": "192.168.0.2"},
    {"hostPort": 4, "containerPort": 4, "protocol": "tcp", "hostIP": "::"},
    {"hostPort": 5, "containerPort": 5, "protocol": "tcp", "hostIP": "2001:db8::1"}])"),
                                                     {{"conditionsV6", {"ip6 saddr fd00::/8"}}}));
  const auto plans = make_plans(cfg, container_addresses(prev_result(), "eth0"));
  ASSERT_EQ(plans.size(), 2U);
  ASSERT_EQ(plans[0].mappings.size(), 3U);
  EXPECT_EQ(plans[0].family(), net::Family::V4);
  EXPECT_EQ(plans[0].mappings[1].index, 1U);
  EXPECT_FALSE(plans[0].mappings[1].host_ip);  // 0.0.0.0: any
  EXPECT_EQ(plans[0].mappings[2].host_ip, net::IpAddress::parse("192.168.0.2"));
  EXPECT_TRUE(plans[0].conditions.empty());
  ASSERT_EQ(plans[1].mappings.size(), 3U);
  EXPECT_EQ(plans[1].mappings[1].host_port, 4);
  EXPECT_FALSE(plans[1].mappings[1].host_ip);
  EXPECT_EQ(plans[1].mappings[2].host_ip, net::IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(plans[1].conditions.size(), 1U);

  // Only an IPv4 container address: no IPv6 plan; only IPv6 mappings: no plan at all.
  ContainerAddresses v4only{.v4 = net::Prefix::parse("10.0.0.5/16")};
  EXPECT_EQ(make_plans(cfg, v4only).size(), 1U);
  const Config v6maps = parse_config_json(
      one({{"hostPort", 5}, {"containerPort", 5}, {"protocol", "tcp"}, {"hostIP", "2001:db8::1"}}));
  EXPECT_TRUE(make_plans(v6maps, v4only).empty());
}

}  // namespace
}  // namespace cni::portmap

#include "config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace cni::ipam {
namespace {

using nlohmann::json;

json base(json ipam) {
  ipam["type"] = "host-local";
  return {{"cniVersion", "1.0.0"}, {"name", "net1"}, {"type", "bridge"}, {"ipam", ipam}};
}

IpamConfig parse(const json& raw, const std::string& cni_args = "", Version v = Version::V1_0_0) {
  return parse_config(raw, v, CniArgs::parse(cni_args));
}

TEST(Config, EveryKey) {
  json raw = base(
      {{"subnet", "10.1.0.0/16"},
       {"rangeStart", "10.1.0.10"},
       {"gateway", "10.1.0.254"},
       {"ranges",
        json::array({json::array({{{"subnet", "2001:db8::/64"}}}),
                     json::array({{{"subnet", "10.2.0.0/24"}}, {{"subnet", "10.3.0.0/24"}}})})},
       {"routes",
        json::array(
            {{{"dst", "0.0.0.0/0"}},
             {{"dst", "192.168.0.0/16"}, {"gw", "10.1.0.1"}, {"mtu", 1400}, {"table", 0}}})},
       {"dataDir", "/run/cni-test"},
       {"resolvConf", "/etc/resolv.conf"}});
  raw["runtimeConfig"] = {{"ipRanges", json::array({json::array({{{"subnet", "10.9.0.0/24"}}})})},
                          {"ips", json::array({"10.1.0.20/16", "10.2.0.9"})}};
  raw["args"] = {{"cni", {{"ips", json::array({"2001:db8::99", "10.1.0.20"})}}}};

  auto c = parse(raw, "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.9.0.7");
  EXPECT_EQ(c.network, "net1");
  EXPECT_EQ(c.data_dir, "/run/cni-test");
  EXPECT_EQ(c.resolv_conf, "/etc/resolv.conf");
  // runtimeConfig.ipRanges, then the legacy top-level range, then "ranges".
  ASSERT_EQ(c.range_sets.size(), 4u);
  EXPECT_EQ(c.range_sets[0].field, "runtimeConfig.ipRanges[0]");
  EXPECT_EQ(c.range_sets[0].to_string(), "10.9.0.1-10.9.0.254");
  EXPECT_EQ(c.range_sets[1].field, "ipam");
  EXPECT_EQ(c.range_sets[1].to_string(), "10.1.0.10-10.1.255.254");
  EXPECT_EQ(c.range_sets[1].ranges[0].gateway.to_string(), "10.1.0.254");
  EXPECT_EQ(c.range_sets[2].field, "ipam.ranges[0]");
  EXPECT_EQ(c.range_sets[3].ranges.size(), 2u);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].dst.to_string(), "0.0.0.0/0");
  EXPECT_FALSE(c.routes[0].gw.has_value());
  EXPECT_EQ(c.routes[1].gw->to_string(), "10.1.0.1");
  EXPECT_EQ(c.routes[1].mtu, 1400);
  EXPECT_EQ(c.routes[1].table, 0);
  // CNI_ARGS first, then args.cni.ips, then runtimeConfig.ips; duplicates dropped.
  ASSERT_EQ(c.requested.size(), 4u);
  EXPECT_EQ(c.requested[0].ip.to_string(), "10.9.0.7");
  EXPECT_EQ(c.requested[0].source, "CNI_ARGS IP");
  EXPECT_EQ(c.requested[1].ip.to_string(), "2001:db8::99");
  EXPECT_EQ(c.requested[1].source, "args.cni.ips[0]");
  EXPECT_EQ(c.requested[2].ip.to_string(), "10.1.0.20");
  EXPECT_EQ(c.requested[3].ip.to_string(), "10.2.0.9");
  EXPECT_EQ(c.requested[3].source, "runtimeConfig.ips[1]");
}

TEST(Config, Defaults) {
  auto c = parse(base({{"subnet", "10.1.2.0/24"}}));
  EXPECT_EQ(c.data_dir, "/var/lib/cni/networks");
  EXPECT_TRUE(c.resolv_conf.empty());
  EXPECT_TRUE(c.routes.empty());
  EXPECT_TRUE(c.requested.empty());
  ASSERT_EQ(c.range_sets.size(), 1u);
}

TEST(Config, CniArgsListOfAddresses) {
  auto c = parse(base({{"ranges", json::array({json::array({{{"subnet", "10.1.2.0/24"}}}),
                                               json::array({{{"subnet", "fd00::/64"}}})})}}),
                 "IP=10.1.2.9,fd00::9/64");
  ASSERT_EQ(c.requested.size(), 2u);
  EXPECT_EQ(c.requested[1].ip.to_string(), "fd00::9");
}

TEST(Config, LegacyKeysWithoutSubnetAreIgnoredAsTheReference) {
  auto c = parse(base({{"rangeStart", "10.1.2.9"},
                       {"ranges", json::array({json::array({{{"subnet", "10.1.2.0/24"}}})})}}));
  EXPECT_EQ(c.range_sets.size(), 1u);
  EXPECT_EQ(c.range_sets[0].to_string(), "10.1.2.1-10.1.2.254");
}

TEST(Config, RangeFromFile) {
  char path[] = "/tmp/cni-ipam-range-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << R"({"subnet":"10.5.0.0/24","rangeStart":"10.5.0.100"})";
  auto c = parse(base({{"rangeFromFile", path}}));
  std::remove(path);
  ASSERT_EQ(c.range_sets.size(), 1u);
  EXPECT_EQ(c.range_sets[0].to_string(), "10.5.0.100-10.5.0.254");
  EXPECT_CNI_ERROR(parse(base({{"rangeFromFile", "/nonexistent/x"}})), Code::InvalidConfig,
                   "ipam.rangeFromFile: cannot read");
}

TEST(Config, Errors) {
  using enum Code;
  const json v4 = json::array({{{"subnet", "10.1.2.0/24"}}});
  const json v4b = json::array({{{"subnet", "10.1.3.0/24"}}});
  EXPECT_CNI_ERROR(parse({{"name", "n"}}), InvalidConfig, "ipam: IPAM config missing 'ipam' key");
  EXPECT_CNI_ERROR(parse({{"name", "n"}, {"ipam", "x"}}), DecodingFailure,
                   "ipam: must be a JSON object");
  EXPECT_CNI_ERROR(parse({{"name", "n"}, {"ipam", {{"subnet", "10.1.2.0/24"}}}}), InvalidConfig,
                   "ipam.type: missing");
  EXPECT_CNI_ERROR(parse(base(json::object())), InvalidConfig,
                   "ipam.ranges: no IP ranges specified");
  EXPECT_CNI_ERROR(parse(base({{"ranges", "x"}})), DecodingFailure, "ipam.ranges: must be a list");
  EXPECT_CNI_ERROR(parse(base({{"ranges", json::array({json::array()})}})), InvalidConfig,
                   "ipam.ranges[0]: empty range set");
  EXPECT_CNI_ERROR(parse(base({{"subnet", "10.1.2.0/24"}, {"dataDir", "var/lib"}})), InvalidConfig,
                   "ipam.dataDir: \"var/lib\" is not an absolute path");
  EXPECT_CNI_ERROR(parse(base({{"subnet", "10.1.2.0/24"}, {"dataDir", "/var/../etc"}})),
                   InvalidConfig, "ipam.dataDir: \"/var/../etc\" must not contain \"..\"");
  EXPECT_CNI_ERROR(parse(base({{"subnet", "10.1.2.0/24"}, {"dataDir", 3}})), DecodingFailure,
                   "ipam.dataDir: must be a string");
  EXPECT_CNI_ERROR(parse(base({{"subnet", "10.1.2.0/31"}})), InvalidConfig,
                   "ipam.subnet: Network 10.1.2.0/31 too small to allocate from");
  EXPECT_CNI_ERROR(parse(base({{"ranges", json::array({v4, v4})}})), InvalidConfig,
                   "ipam.ranges[1]: range set 1 overlaps with range set 0 (ipam.ranges[0])");
  EXPECT_CNI_ERROR(parse(base({{"subnet", "10.1.2.0/24"}, {"ranges", json::array({v4})}})),
                   InvalidConfig, "ipam.ranges[0]: range set 1 overlaps with range set 0 (ipam)");
  // 0.1.0/0.2.0 results hold one address per family.
  EXPECT_CNI_ERROR(parse(base({{"ranges", json::array({v4, v4b})}}), "", Version::V0_2_0),
                   InvalidConfig,
                   "CNI version 0.2.0 does not support more than 1 address per family");
  EXPECT_NO_THROW(
      parse(base({{"ranges", json::array({v4, json::array({{{"subnet", "fd00::/64"}}})})}}), "",
            Version::V0_2_0));
  EXPECT_NO_THROW(parse(base({{"ranges", json::array({v4, v4b})}}), "", Version::V0_3_0));
  // Requested addresses.
  const json one = base({{"ranges", json::array({v4})}});
  EXPECT_CNI_ERROR(parse(one, "IP=10.9.9.9"), InvalidConfig,
                   "CNI_ARGS IP: requested address 10.9.9.9 is outside every range "
                   "(10.1.2.1-10.1.2.254)");
  EXPECT_CNI_ERROR(parse(one, "IP=10.1.2.1"), InvalidConfig,
                   "CNI_ARGS IP: requested address 10.1.2.1 is the gateway of 10.1.2.0/24");
  EXPECT_CNI_ERROR(parse(one, "IP=10.1.2.5,10.1.2.6"), InvalidConfig,
                   "requested addresses 10.1.2.5 and 10.1.2.6 are both in range set 0");
  EXPECT_CNI_ERROR(parse(one, "IP=10.1.2.x"), InvalidEnvironment,
                   "CNI_ARGS: IP: invalid IP address \"10.1.2.x\"");
  EXPECT_CNI_ERROR(parse(one, "IP="), InvalidEnvironment, "CNI_ARGS: IP: empty value");
  EXPECT_CNI_ERROR(parse(one, "FOO=bar"), InvalidEnvironment, "CNI_ARGS: unknown key \"FOO\"");
  EXPECT_NO_THROW(parse(one, "FOO=bar;IgnoreUnknown=true"));
  json bad_args = one;
  bad_args["args"] = {{"cni", {{"ips", json::array({"nope"})}}}};
  EXPECT_CNI_ERROR(parse(bad_args), InvalidConfig, "args.cni.ips[0]: invalid IP address \"nope\"");
  bad_args["args"] = {{"cni", {{"ips", "10.1.2.3"}}}};
  EXPECT_CNI_ERROR(parse(bad_args), DecodingFailure, "args.cni.ips: must be a list");
  json bad_rc = one;
  bad_rc["runtimeConfig"] = {{"ips", json::array({7})}};
  EXPECT_CNI_ERROR(parse(bad_rc), DecodingFailure, "runtimeConfig.ips[0]: must be a string");
  bad_rc["runtimeConfig"] = {
      {"ipRanges", json::array({json::array({{{"subnet", "10.1.2.0/33"}}})})}};
  EXPECT_CNI_ERROR(parse(bad_rc), InvalidConfig,
                   "runtimeConfig.ipRanges[0][0].subnet: invalid CIDR \"10.1.2.0/33\"");
  // Routes.
  EXPECT_CNI_ERROR(
      parse(base({{"subnet", "10.1.2.0/24"}, {"routes", json::array({json::object()})}})),
      InvalidConfig, "ipam.routes[0].dst: missing");
  EXPECT_CNI_ERROR(parse(base({{"subnet", "10.1.2.0/24"},
                               {"routes", json::array({{{"dst", "0.0.0.0/0"}, {"gw", "x"}}})}})),
                   InvalidConfig, "ipam.routes[0].gw: invalid IP address \"x\"");
  EXPECT_CNI_ERROR(
      parse(base({{"subnet", "10.1.2.0/24"},
                  {"routes", json::array({{{"dst", "0.0.0.0/0"}, {"mtu", "9000"}}})}})),
      DecodingFailure, "ipam.routes[0].mtu: must be an integer");
}

TEST(Config, DataDirOnlyIgnoresTheRanges) {
  json raw = base({{"subnet", "10.1.2.5/24"}, {"dataDir", "/run/x"}});  // host bits: invalid
  EXPECT_EQ(parse_data_dir(raw), "/run/x");
  EXPECT_EQ(parse_data_dir(base(json::object())), kDefaultDataDir);
  EXPECT_CNI_ERROR(parse_data_dir({{"name", "n"}}), Code::InvalidConfig,
                   "ipam: IPAM config missing");
  EXPECT_CNI_ERROR(parse_data_dir(base({{"dataDir", "/a/../b"}})), Code::InvalidConfig,
                   "ipam.dataDir");
}

}  // namespace
}  // namespace cni::ipam

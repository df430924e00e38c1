#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "config.hpp"

namespace cni::ovs {
namespace {

using nlohmann::json;

Request request(const json& conf, Command command = Command::Add) {
  Request r;
  r.command = command;
  r.conf.raw = conf;
  r.conf.ipam = conf.contains("ipam") ? conf["ipam"] : json();
  return r;
}

json base(const json& extra = json::object()) {
  json c = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "ovs"}, {"bridge", "br1"}};
  c.update(extra);
  return c;
}

std::string error_of(const json& conf) {
  try {
    parse_config(request(conf));
  } catch (const Error& e) {
    return std::to_string(static_cast<int>(e.code())) + " " + e.msg();
  }
  return "no error";
}

TEST(OvsConfig, Defaults) {
  const Config c = parse_config(request(base()));
  EXPECT_EQ(c.bridge, "br1");
  EXPECT_FALSE(c.vlan);
  EXPECT_FALSE(c.trunks);
  EXPECT_EQ(c.socket.kind, ovsdb::Endpoint::Kind::Unix);
  EXPECT_EQ(c.socket.path, "/var/run/openvswitch/db.sock");
  EXPECT_FALSE(c.ofport_request);
}

TEST(OvsConfig, Keys) {
  const Config c = parse_config(request(base({{"vlan", 100},
                                              {"mtu", 1400},
                                              {"ofport_request", 7},
                                              {"interface_type", "system"},
                                              {"socket_file", "/tmp/x.sock"}})));
  EXPECT_EQ(c.vlan, 100);
  EXPECT_EQ(c.mtu, 1400);
  EXPECT_EQ(c.ofport_request, 7);
  EXPECT_EQ(c.interface_type, "system");
  EXPECT_EQ(c.socket.path, "/tmp/x.sock");  // a bare path, as ovs-cni takes it
  // vlan 0 is an access port without a tag, as ovs-cni.
  EXPECT_EQ(parse_config(request(base({{"vlan", 0}}))).vlan, 0);
}

TEST(OvsConfig, Trunk) {
  auto c = parse_config(
      request(base({{"trunk", json::parse(R"([{"id":42},{"minID":10,"maxID":12},{"id":11}])")}})));
  EXPECT_EQ(*c.trunks, (std::vector<int>{10, 11, 12, 42}));
  EXPECT_EQ(error_of(base({{"trunk", json::parse(R"([{"minID":10}])")}})),
            "7 trunk[0]: minID and maxID must be given together");
  EXPECT_EQ(error_of(base({{"trunk", json::parse(R"([{"minID":12,"maxID":10}])")}})),
            "7 trunk[0]: minID 12 is greater than maxID");
  EXPECT_EQ(error_of(base({{"trunk", json::parse(R"([{"id":4096}])")}})),
            "7 trunk[0].id: 4096 is out of range [0, 4095]");
  EXPECT_EQ(error_of(base({{"trunk", json::parse(R"([{}])")}})),
            "7 trunk[0]: needs an id or a minID/maxID range");
  EXPECT_EQ(error_of(base({{"trunk", "5"}})), "6 trunk: must be a list");
}

TEST(OvsConfig, BadInputNamesTheKey) {
  json no_bridge = base();
  no_bridge.erase("bridge");
  EXPECT_EQ(error_of(no_bridge), "7 bridge: required (the OVS bridge to attach to)");
  EXPECT_EQ(error_of(base({{"vlan", 4096}})), "7 vlan: 4096 is out of range [0, 4095]");
  EXPECT_EQ(error_of(base({{"vlan", -1}})), "7 vlan: -1 is out of range [0, 4095]");
  EXPECT_EQ(error_of(base({{"vlan", 5}, {"trunk", json::parse(R"([{"id":6}])")}})),
            "7 vlan: cannot be used together with trunk (an access port carries one VLAN)");
  EXPECT_EQ(error_of(base({{"ofport_request", 65280}})),
            "7 ofport_request: 65280 is out of range [1, 65279]");
  EXPECT_EQ(error_of(base({{"socket_file", "ssl:1.2.3.4:6640"}})),
            "7 socket_file: ssl: is not supported (use unix: or tcp:) (\"ssl:1.2.3.4:6640\")");
}

TEST(OvsConfig, ConfigurationPathDefaultsUnderTheNetconf) {
  char path[] = "/tmp/ovs-config-test.XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << R"({"socket_file":"unix:/run/flat.sock","vlan":7})";
  auto c = parse_config(request(base({{"configuration_path", path}, {"vlan", 9}})));
  EXPECT_EQ(c.socket.path, "/run/flat.sock");
  EXPECT_EQ(c.vlan, 9);
  std::remove(path);
  EXPECT_EQ(error_of(base({{"configuration_path", "/nonexistent/ovs.conf"}})),
            "7 configuration_path: cannot read \"/nonexistent/ovs.conf\"");
}

}  // namespace
}  // namespace cni::ovs

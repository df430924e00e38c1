#include "ovsdb/vswitch.hpp"

#include <gtest/gtest.h>

#include "cni/error.hpp"
#include "fake_server.hpp"

namespace cni::ovsdb {
namespace {

using namespace std::chrono_literals;
using test::FakeOvsdb;
using test::reply;

PortSpec spec() {
  return {.bridge = "br1",
          .name = "veth0000aaaa",
          .vlan = 100,
          .ofport_request = 10,
          .external_ids = {{"owner", "me"}, {"contIface", "eth0"}}};
}

TEST(AddPort, OneTransactionGuardedByTheBridge) {
  const json ops = add_port_ops(spec());
  ASSERT_EQ(ops.size(), 6U);
  EXPECT_EQ(ops[0]["op"], "wait");
  EXPECT_EQ(ops[0]["table"], "Bridge");
  EXPECT_EQ(ops[0]["timeout"], 0);  // never a wait without timeout (blocks forever)
  EXPECT_EQ(ops[0]["rows"], json::parse(R"([{"name":"br1"}])"));
  EXPECT_EQ(ops[1]["row"], json::parse(R"({"name":"veth0000aaaa","ofport_request":10})"));
  EXPECT_EQ(ops[2]["row"]["vlan_mode"], "access");
  EXPECT_EQ(ops[2]["row"]["tag"], 100);
  EXPECT_EQ(ops[2]["row"]["interfaces"], json::parse(R"(["named-uuid","iface"])"));
  EXPECT_EQ(ops[2]["row"]["external_ids"],
            json::parse(R"(["map",[["contIface","eth0"],["owner","me"]]])"));
  EXPECT_EQ(ops[3]["mutations"],
            json::parse(R"([["ports","insert",["set",[["named-uuid","port"]]]]])"));
  EXPECT_EQ(ops[4]["mutations"], json::parse(R"([["next_cfg","+=",1]])"));

  PortSpec untagged = spec();
  untagged.vlan = 0;
  const json u = add_port_ops(untagged);
  EXPECT_EQ(u[2]["row"]["vlan_mode"], "access");
  EXPECT_FALSE(u[2]["row"].contains("tag"));

  PortSpec trunk = spec();
  trunk.vlan.reset();
  trunk.trunks = std::vector<int>{10, 42};
  const json t = add_port_ops(trunk);
  EXPECT_EQ(t[2]["row"]["vlan_mode"], "trunk");
  EXPECT_EQ(t[2]["row"]["trunks"], json::parse(R"(["set",[10,42]])"));
  EXPECT_FALSE(t[2]["row"].contains("tag"));
}

TEST(AddPort, ReadsThePortUuidAndNextCfg) {
  FakeOvsdb server([](const json& req) {
    return std::vector<std::string>{reply(req, json::parse(R"([{},{"uuid":["uuid","i1"]},
      {"uuid":["uuid","p1"]},{"count":1},{"count":1},{"rows":[{"next_cfg":7}]}])"))};
  });
  auto c = server.client();
  auto added = add_port(c, spec());
  EXPECT_EQ(added.port_uuid, "p1");
  EXPECT_EQ(added.next_cfg, 7);
}

TEST(AddPort, MissingBridgeFailsNamingTheGuard) {
  FakeOvsdb server([](const json& req) {
    return std::vector<std::string>{reply(
        req,
        json::parse(
            R"([{"details":"\"where\" clause test failed","error":"timed out"},null,null,null,null,null])"))};
  });
  auto c = server.client();
  try {
    add_port(c, spec());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Ovsdb);
    EXPECT_NE(e.msg().find("wait on Bridge (operation 0): timed out"), std::string::npos)
        << e.msg();
  }
}

TEST(WaitApplied, AppliedReturnsTheInterface) {
  FakeOvsdb server([](const json& req) {
    EXPECT_EQ(req["params"][1]["op"], "wait");
    // Until no row is behind 7 (cur_cfg may jump past 7 when clients run concurrently).
    EXPECT_EQ(req["params"][1]["where"], json::parse(R"([["cur_cfg","<",7]])"));
    EXPECT_EQ(req["params"][1]["rows"], json::array());
    EXPECT_EQ(req["params"][1]["timeout"], 500);
    return std::vector<std::string>{reply(req, json::parse(R"([{},{"rows":[{"_uuid":["uuid","i1"],
      "name":"veth0","error":["set",[]],"ofport":3}]}])"))};
  });
  auto c = server.client();
  auto iface = wait_applied(c, 7, "veth0", 500ms);
  ASSERT_TRUE(iface);
  EXPECT_EQ(iface->ofport, 3);
  EXPECT_EQ(iface->error, "");
}

TEST(WaitApplied, TimedOutChecksCurCfgAgain) {
  // cur_cfg stayed behind: not applied. Then cur_cfg went past: applied.
  for (long long cur : {6LL, 8LL}) {
    FakeOvsdb server([cur](const json& req) {
      if (req["params"][1]["op"] == "wait") {
        return std::vector<std::string>{reply(
            req, json::parse(
                     R"([{"details":"\"where\" clause test failed","error":"timed out"},null])"))};
      }
      return std::vector<std::string>{reply(
          req,
          json{{{"rows", {{{"cur_cfg", cur}}}}}, json::parse(R"({"rows":[{"_uuid":["uuid","i1"],
        "name":"veth0","error":"could not open network device veth0","ofport":-1}]})")})};
    });
    auto c = server.client();
    auto iface = wait_applied(c, 7, "veth0", 50ms);
    EXPECT_EQ(iface.has_value(), cur >= 7) << cur;
    if (iface) {
      EXPECT_EQ(iface->error, "could not open network device veth0");
    }
    // The reply timeout was restored.
    EXPECT_EQ(c.timeout(), 2000ms);
  }
}

TEST(FindPorts, ByExternalIds) {
  FakeOvsdb server([](const json& req) {
    EXPECT_EQ(req["params"][1]["where"],
              json::parse(R"([["external_ids","includes",["map",[["contIface","eth0"]]]]])"));
    return std::vector<std::string>{reply(req, json::parse(R"([{"rows":[
      {"_uuid":["uuid","p1"],"name":"veth1","external_ids":["map",[["contIface","eth0"],["owner","me"]]],
       "vlan_mode":["set",[]],"tag":["set",[]],"trunks":["set",[10,20]],"interfaces":["uuid","i1"]},
      {"_uuid":["uuid","p2"],"name":"veth2","external_ids":["map",[]],"vlan_mode":"access","tag":5,
       "trunks":["set",[]],"interfaces":["set",[["uuid","i2"],["uuid","i3"]]]}]}])"))};
  });
  auto c = server.client();
  auto ports = find_ports(c, {{"contIface", "eth0"}});
  ASSERT_EQ(ports.size(), 2U);
  EXPECT_EQ(ports[0].uuid, "p1");
  EXPECT_EQ(ports[0].vlan_mode, "");
  EXPECT_EQ(ports[0].tag, std::nullopt);
  EXPECT_EQ(ports[0].trunks, (std::vector<long long>{10, 20}));
  EXPECT_EQ(ports[0].interfaces, std::vector<std::string>{"i1"});
  EXPECT_EQ(ports[0].external_ids.at("owner"), "me");
  EXPECT_EQ(ports[1].tag, 5);
  EXPECT_EQ(ports[1].interfaces.size(), 2U);
}

TEST(DeletePorts, GuardedByTheirExternalIds) {
  FakeOvsdb server([](const json& req) {
    return std::vector<std::string>{reply(req, json::parse(R"([{},{"count":1}])"))};
  });
  auto c = server.client();
  delete_ports(c, {{.uuid = "p1", .external_ids = {{"owner", "me"}}}});
  auto got = server.received();
  ASSERT_EQ(got.size(), 1U);
  const json& ops = got[0]["params"];
  EXPECT_EQ(ops[1]["op"], "wait");
  EXPECT_EQ(ops[1]["timeout"], 0);
  EXPECT_EQ(ops[1]["where"], json::parse(R"([["_uuid","==",["uuid","p1"]]])"));
  EXPECT_EQ(ops[1]["rows"], json::parse(R"([{"external_ids":["map",[["owner","me"]]]}])"));
  EXPECT_EQ(ops[2]["mutations"], json::parse(R"([["ports","delete",["set",[["uuid","p1"]]]]])"));
}

}  // namespace
}  // namespace cni::ovsdb

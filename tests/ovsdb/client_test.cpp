#include "ovsdb/client.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "cni/error.hpp"
#include "fake_server.hpp"

namespace cni::ovsdb {
namespace {

using namespace std::chrono_literals;
using test::FakeOvsdb;
using test::reply;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Ovsdb);
    return e.msg();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(Client, CallReturnsTheResultOfItsId) {
  FakeOvsdb server([](const json& req) {
    // A stale reply of another id, then the real one, in one write.
    return std::vector<std::string>{
        json{{"id", 999}, {"result", "stale"}, {"error", nullptr}}.dump() +
        reply(req, {"Open_vSwitch"})};
  });
  auto c = server.client();
  EXPECT_EQ(c.call("list_dbs", json::array()), json::array({"Open_vSwitch"}));
  auto got = server.received();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0]["method"], "list_dbs");
  EXPECT_TRUE(got[0]["id"].is_number_integer());
}

TEST(Client, EchoFromTheServerIsAnswered) {
  FakeOvsdb server([](const json& req) -> std::vector<std::string> {
    if (req.contains("method") && req["method"] == "transact") {
      return {R"({"method":"echo","params":["ping",1],"id":"echo"})"};
    }
    // The echo reply: only then does the real reply come.
    if (req.contains("id") && req["id"] == "echo") {
      EXPECT_EQ(req["result"], json::parse(R"(["ping",1])"));
      EXPECT_TRUE(req["error"].is_null());
      return {reply(json{{"id", 1}}, json::parse(R"([{"rows":[]}])"))};
    }
    return {};
  });
  auto c = server.client();
  auto res =
      c.transact("Open_vSwitch", json::parse(R"([{"op":"select","table":"Port","where":[]}])"));
  EXPECT_EQ(res.size(), 1U);
  EXPECT_EQ(server.received().size(), 2U);
}

TEST(Client, ReplyInPiecesAndNotificationsSkipped) {
  FakeOvsdb server([](const json& req) {
    const std::string r = reply(req, 42);
    return std::vector<std::string>{R"({"method":"update","params":[null,{}],"id":null})",
                                    r.substr(0, 5), r.substr(5, 7), r.substr(12)};
  });
  auto c = server.client();
  EXPECT_EQ(c.call("x", json::array()), 42);
}

TEST(Client, JsonRpcErrorIsThrown) {
  FakeOvsdb server([](const json& req) {
    return std::vector<std::string>{
        json{{"id", req["id"]}, {"result", nullptr}, {"error", "unknown database"}}.dump()};
  });
  auto c = server.client();
  EXPECT_EQ(error_of([&] { c.call("transact", json::array({"Nope"})); }),
            "ovsdb: transact: unknown database");
}

TEST(Client, PerOperationErrorOfATransaction) {
  FakeOvsdb server([](const json& req) {
    return std::vector<std::string>{reply(
        req,
        json::parse(R"([{"details":"\"where\" clause test failed","error":"timed out"},null])"))};
  });
  auto c = server.client();
  const json ops = json::parse(
      R"([{"op":"wait","table":"Bridge","where":[],"timeout":0},{"op":"insert","table":"Port","row":{}}])");
  EXPECT_EQ(error_of([&] { c.transact("Open_vSwitch", ops); }),
            R"(ovsdb: wait on Bridge (operation 0): timed out: "where" clause test failed)");
  // The request carried the database then the operations.
  auto got = server.received();
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0]["params"][0], "Open_vSwitch");
  EXPECT_EQ(got[0]["params"][1]["op"], "wait");
}

TEST(Client, NoReplyTimesOut) {
  FakeOvsdb server([](const json&) { return std::vector<std::string>{}; });
  auto c = server.client(150ms);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of([&] { c.call("x", json::array()); }), "ovsdb: fake: no reply within 150 ms");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 2s);
}

TEST(Client, ClosedConnectionAndMalformedReply) {
  {
    FakeOvsdb server([](const json&) { return std::vector<std::string>{}; });
    auto c = server.client();
    server.close_server();
    const std::string msg = error_of([&] { c.call("x", json::array()); });
    EXPECT_TRUE(msg.find("closed") != std::string::npos || msg.find("send") != std::string::npos)
        << msg;
  }
  {
    FakeOvsdb server(
        [](const json&) { return std::vector<std::string>{R"({"id":1,"result":[1,]})"}; });
    auto c = server.client();
    EXPECT_EQ(error_of([&] { c.call("x", json::array()); }),
              "ovsdb: fake: protocol error: malformed message");
  }
}

TEST(Client, ConnectToAMissingSocketFailsAtOnce) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto ep = parse_endpoint("unix:/nonexistent/ovs-test/db.sock", "socket_file");
  const std::string msg = error_of([&] { Client::connect(ep, 2000ms); });
  EXPECT_EQ(msg,
            "ovsdb: connect unix:/nonexistent/ovs-test/db.sock: No such file or directory "
            "(is ovsdb-server running?)");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(Endpoint, Parse) {
  auto u = parse_endpoint("unix:/run/ovs/db.sock", "socket_file");
  EXPECT_EQ(u.kind, Endpoint::Kind::Unix);
  EXPECT_EQ(u.path, "/run/ovs/db.sock");
  auto t = parse_endpoint("tcp:127.0.0.1:6640", "socket_file");
  EXPECT_EQ(t.kind, Endpoint::Kind::Tcp);
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, 6640);
  auto t6 = parse_endpoint("tcp:[::1]:6640", "socket_file");
  EXPECT_EQ(t6.host, "::1");
  for (const char* bad : {"", "unix:", "ssl:1.2.3.4:6640", "tcp:host:6640", "tcp:1.2.3.4:0",
                          "tcp:1.2.3.4:99999", "tcp:1.2.3.4", "/x"}) {
    try {
      parse_endpoint(bad, "socket_file");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Code::InvalidConfig);
      EXPECT_TRUE(e.msg().starts_with("socket_file: ")) << e.msg();
    }
  }
}

}  // namespace
}  // namespace cni::ovsdb

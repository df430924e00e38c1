#include "cni/conf_keys.hpp"

#include <gtest/gtest.h>

#include "support/errors.hpp"

namespace cni {
namespace {

using nlohmann::json;
using test::code_of;

TEST(ConfKeys, TypedReadersNameTheKey) {
  json c =
      json::parse(R"({"ipMasq":true,"mtu":1400,"bridge":"br0","bad":"yes","big":99999999999})");
  EXPECT_TRUE(bool_key(c, "ipMasq"));
  EXPECT_FALSE(bool_key(c, "missing"));
  EXPECT_EQ(code_of([&] { bool_key(c, "bad"); }), 6);
  EXPECT_EQ(int_key(c, "mtu", 0, 0, 65535), 1400);
  EXPECT_EQ(code_of([&] { int_key(c, "big", 0, 0, 65535); }), 7);
  EXPECT_EQ(code_of([&] { int_key(c, "bridge", 0, 0, 10); }), 6);
  EXPECT_EQ(string_key(c, "bridge"), "br0");
  EXPECT_EQ(code_of([&] { string_key(c, "mtu"); }), 6);
  auto e = test::error_of([&] { int_key(c, "big", 0, 0, 65535); });
  EXPECT_NE(e.msg().find("big"), std::string::npos);
}

TEST(ConfKeys, UnsignedBeyondLongLongIsOutOfRangeAsWritten) {
  // get<long long>() of these wraps to -1 / LLONG_MIN: the message must show the input.
  for (const char* n : {"18446744073709551615", "9223372036854775808"}) {
    json c = json::parse(std::string(R"({"vlan":)") + n + "}");
    auto e = test::error_of([&] { int_key(c, "vlan", 0, 0, 4094); });
    EXPECT_EQ(static_cast<int>(e.code()), 7) << n;
    EXPECT_EQ(e.msg().rfind(std::string("vlan: ") + n, 0), 0u) << e.msg();
  }
}

TEST(ConfKeys, Mtu) {
  EXPECT_EQ(mtu_key(json::parse(R"({})")), 0);
  EXPECT_EQ(mtu_key(json::parse(R"({"mtu":9000})")), 9000);
  for (const char* bad : {R"({"mtu":-1})", R"({"mtu":67})", R"({"mtu":70000})"}) {
    EXPECT_EQ(code_of([&] { mtu_key(json::parse(bad)); }), 7) << bad;
  }
  EXPECT_EQ(code_of([&] { mtu_key(json::parse(R"({"mtu":"1500"})")); }), 6);
}

TEST(ConfKeys, MasqBackend) {
  EXPECT_EQ(code_of([] { check_masq_backend(json::parse(R"({})")); }), 0);
  EXPECT_EQ(code_of([] { check_masq_backend(json::parse(R"({"ipMasqBackend":"nftables"})")); }), 0);
  EXPECT_EQ(code_of([] { check_masq_backend(json::parse(R"({"ipMasqBackend":"iptables"})")); }), 0);
  EXPECT_EQ(code_of([] { check_masq_backend(json::parse(R"({"ipMasqBackend":"pf"})")); }), 7);
}

Request with(const char* conf, const char* cni_args = "") {
  Request r;
  r.conf.raw = json::parse(conf);
  r.args = CniArgs::parse(cni_args);
  return r;
}

TEST(ConfKeys, MacPrecedence) {
  EXPECT_FALSE(requested_mac(with("{}")).has_value());
  EXPECT_EQ(requested_mac(with("{}", "MAC=0a:00:00:00:00:03")), "0a:00:00:00:00:03");
  EXPECT_EQ(requested_mac(
                with(R"({"args":{"cni":{"mac":"0a:00:00:00:00:02"}}})", "MAC=0a:00:00:00:00:03")),
            "0a:00:00:00:00:02");
  EXPECT_EQ(requested_mac(with(R"({"runtimeConfig":{"mac":"0a:00:00:00:00:01"},
                                   "args":{"cni":{"mac":"0a:00:00:00:00:02"}}})")),
            "0a:00:00:00:00:01");
  EXPECT_EQ(code_of([] { requested_mac(with(R"({"runtimeConfig":{"mac":"zz"}})")); }), 7);
  EXPECT_EQ(code_of([] { requested_mac(with("{}", "MAC=nope")); }), 4);
  EXPECT_EQ(code_of([] { requested_mac(with(R"({"args":{"cni":{"mac":5}}})")); }), 6);
}

TEST(ConfKeys, IpamType) {
  NetConf c;
  EXPECT_EQ(code_of([&] { required_ipam_type(c); }), 7);
  c.ipam = json::parse(R"({"subnet":"10.0.0.0/24"})");
  EXPECT_EQ(code_of([&] { required_ipam_type(c); }), 7);
  c.ipam = json::parse(R"({"type":"host-local"})");
  EXPECT_EQ(required_ipam_type(c), "host-local");
}

}  // namespace
}  // namespace cni

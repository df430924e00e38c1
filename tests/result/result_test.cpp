// Unit tests for CNI results (common/cni/result.hpp): rendering in every version's exact shape,
// parsing every shape into the canonical form, and decoding errors that name the field.
#include "cni/result.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "cni/error.hpp"

// The fixtures use designated initializers and leave the members they do not care about at their
// defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cni {

// Readable gtest failure output (found by ADL, so outside the anonymous namespace).
void PrintTo(const Result& r, std::ostream* os) {
  *os << render_result(r, Version::V1_1_0).dump();
}
void PrintTo(const Interface& i, std::ostream* os) {
  Result r;
  r.interfaces.push_back(i);
  *os << render_result(r, Version::V1_1_0)["interfaces"][0].dump();
}

namespace {

using nlohmann::json;

net::Prefix P(const char* s) {
  auto p = net::Prefix::parse(s);
  EXPECT_TRUE(p) << s;
  return p.value_or(net::Prefix{});
}

net::IpAddress A(const char* s) {
  auto a = net::IpAddress::parse(s);
  EXPECT_TRUE(a) << s;
  return a.value_or(net::IpAddress{});
}

Version V(const char* s) {
  return parse_version(s).value();
}

// Dual-stack, three interfaces (host bridge, host veth, container side with 1.1.0 extras), two
// addresses per family (the second ones without gateway; one pointing at interface 0, one at
// none), routes of both families with and without the 1.1.0 extras, full DNS.
Result canonical() {
  Result r;
  r.interfaces.push_back({.name = "cni0", .mac = "00:11:22:33:44:55"});
  r.interfaces.push_back({.name = "veth1234", .mac = "66:77:88:99:aa:bb"});
  r.interfaces.push_back({.name = "eth0",
                          .mac = "0a:58:0a:01:00:05",
                          .sandbox = "/var/run/netns/test",
                          .mtu = 1450,
                          .socket_path = "/run/vhost-user.sock",
                          .pci_id = "0000:00:1f.6"});
  r.ips.push_back({.address = P("10.1.0.5/16"), .gateway = A("10.1.0.1"), .interface = 2});
  r.ips.push_back({.address = P("2001:db8::5/64"), .gateway = A("2001:db8::1"), .interface = 2});
  r.ips.push_back({.address = P("10.2.0.7/24"), .gateway = std::nullopt, .interface = 0});
  r.ips.push_back({.address = P("fd00::7/64"), .gateway = std::nullopt, .interface = std::nullopt});
  r.routes.push_back({.dst = P("0.0.0.0/0"),
                      .gw = A("10.1.0.1"),
                      .mtu = 1400,
                      .advmss = 1360,
                      .priority = 100,
                      .table = 100,
                      .scope = 0});
  r.routes.push_back({.dst = P("::/0"), .gw = A("2001:db8::1"), .priority = 5});
  r.routes.push_back({.dst = P("192.168.0.0/16"), .gw = std::nullopt, .table = 0});
  r.routes.push_back({.dst = P("fd00:1::/48"), .gw = A("fd00::1")});
  r.dns.nameservers = {"10.1.0.1", "2001:db8::53"};
  r.dns.domain = "example.com";
  r.dns.search = {"example.com", "svc.cluster.local"};
  r.dns.options = {"ndots:5", "edns0"};
  return r;
}

constexpr const char* kDns = R"({
  "nameservers": ["10.1.0.1", "2001:db8::53"],
  "domain": "example.com",
  "search": ["example.com", "svc.cluster.local"],
  "options": ["ndots:5", "edns0"]
})";

json golden_1_1_0() {
  auto j = json::parse(R"({
    "cniVersion": "1.1.0",
    "interfaces": [
      {"name": "cni0", "mac": "00:11:22:33:44:55"},
      {"name": "veth1234", "mac": "66:77:88:99:aa:bb"},
      {"name": "eth0", "mac": "0a:58:0a:01:00:05", "sandbox": "/var/run/netns/test",
       "mtu": 1450, "socketPath": "/run/vhost-user.sock", "pciID": "0000:00:1f.6"}
    ],
    "ips": [
      {"address": "10.1.0.5/16", "gateway": "10.1.0.1", "interface": 2},
      {"address": "2001:db8::5/64", "gateway": "2001:db8::1", "interface": 2},
      {"address": "10.2.0.7/24", "interface": 0},
      {"address": "fd00::7/64"}
    ],
    "routes": [
      {"dst": "0.0.0.0/0", "gw": "10.1.0.1", "mtu": 1400, "advmss": 1360, "priority": 100,
       "table": 100, "scope": 0},
      {"dst": "::/0", "gw": "2001:db8::1", "priority": 5},
      {"dst": "192.168.0.0/16", "table": 0},
      {"dst": "fd00:1::/48", "gw": "fd00::1"}
    ]
  })");
  j["dns"] = json::parse(kDns);
  return j;
}

json golden_1_0_0() {
  auto j = json::parse(R"({
    "cniVersion": "1.0.0",
    "interfaces": [
      {"name": "cni0", "mac": "00:11:22:33:44:55"},
      {"name": "veth1234", "mac": "66:77:88:99:aa:bb"},
      {"name": "eth0", "mac": "0a:58:0a:01:00:05", "sandbox": "/var/run/netns/test"}
    ],
    "ips": [
      {"address": "10.1.0.5/16", "gateway": "10.1.0.1", "interface": 2},
      {"address": "2001:db8::5/64", "gateway": "2001:db8::1", "interface": 2},
      {"address": "10.2.0.7/24", "interface": 0},
      {"address": "fd00::7/64"}
    ],
    "routes": [
      {"dst": "0.0.0.0/0", "gw": "10.1.0.1"},
      {"dst": "::/0", "gw": "2001:db8::1"},
      {"dst": "192.168.0.0/16"},
      {"dst": "fd00:1::/48", "gw": "fd00::1"}
    ]
  })");
  j["dns"] = json::parse(kDns);
  return j;
}

json golden_0_4_shape(const char* version) {
  auto j = json::parse(R"({
    "interfaces": [
      {"name": "cni0", "mac": "00:11:22:33:44:55"},
      {"name": "veth1234", "mac": "66:77:88:99:aa:bb"},
      {"name": "eth0", "mac": "0a:58:0a:01:00:05", "sandbox": "/var/run/netns/test"}
    ],
    "ips": [
      {"version": "4", "address": "10.1.0.5/16", "gateway": "10.1.0.1", "interface": 2},
      {"version": "6", "address": "2001:db8::5/64", "gateway": "2001:db8::1", "interface": 2},
      {"version": "4", "address": "10.2.0.7/24", "interface": 0},
      {"version": "6", "address": "fd00::7/64"}
    ],
    "routes": [
      {"dst": "0.0.0.0/0", "gw": "10.1.0.1"},
      {"dst": "::/0", "gw": "2001:db8::1"},
      {"dst": "192.168.0.0/16"},
      {"dst": "fd00:1::/48", "gw": "fd00::1"}
    ]
  })");
  j["cniVersion"] = version;
  j["dns"] = json::parse(kDns);
  return j;
}

json golden_0_2_shape(const char* version) {
  auto j = json::parse(R"({
    "ip4": {
      "ip": "10.1.0.5/16",
      "gateway": "10.1.0.1",
      "routes": [{"dst": "0.0.0.0/0", "gw": "10.1.0.1"}, {"dst": "192.168.0.0/16"}]
    },
    "ip6": {
      "ip": "2001:db8::5/64",
      "gateway": "2001:db8::1",
      "routes": [{"dst": "::/0", "gw": "2001:db8::1"}, {"dst": "fd00:1::/48", "gw": "fd00::1"}]
    }
  })");
  j["cniVersion"] = version;
  j["dns"] = json::parse(kDns);
  return j;
}

// What survives a trip through 1.0.0 .. 0.3.0: the 1.1.0-only fields are dropped.
Result without_1_1_extras(Result r) {
  for (auto& i : r.interfaces) {
    i.mtu = 0;
    i.socket_path.clear();
    i.pci_id.clear();
  }
  for (auto& route : r.routes) {
    route.mtu = 0;
    route.advmss = 0;
    route.priority = 0;
    route.table.reset();
    route.scope.reset();
  }
  return r;
}

// What survives a trip through 0.2.0/0.1.0, built by hand rather than by filtering.
Result expected_after_0_2(const Result& orig) {
  Result r;
  r.ips.push_back({.address = P("10.1.0.5/16"), .gateway = A("10.1.0.1"), .interface = {}});
  r.ips.push_back({.address = P("2001:db8::5/64"), .gateway = A("2001:db8::1"), .interface = {}});
  r.routes.push_back({.dst = P("0.0.0.0/0"), .gw = A("10.1.0.1")});
  r.routes.push_back({.dst = P("192.168.0.0/16"), .gw = std::nullopt});
  r.routes.push_back({.dst = P("::/0"), .gw = A("2001:db8::1")});
  r.routes.push_back({.dst = P("fd00:1::/48"), .gw = A("fd00::1")});
  r.dns = orig.dns;
  return r;
}

// Runs f and checks that it throws cni::Error(DecodingFailure) whose message starts with
// "<path>: " and contains `fragment`.
void expect_decoding_error(const std::function<void()>& f, const std::string& path,
                           const std::string& fragment = "") {
  try {
    f();
    ADD_FAILURE() << "no error; expected one naming " << path;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::DecodingFailure) << e.msg();
    EXPECT_EQ(e.msg().rfind(path + ": ", 0), 0u)
        << "message: " << e.msg() << "\nwanted path " << path;
    EXPECT_NE(e.msg().find(fragment), std::string::npos)
        << "message: " << e.msg() << "\nwanted fragment " << fragment;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-cni exception: " << e.what();
  }
}

void expect_parse_error(const char* version, const std::string& text, const std::string& path,
                        const std::string& fragment = "") {
  SCOPED_TRACE(std::string(version) + " " + text);
  json j = json::parse(text);
  expect_decoding_error([&] { parse_result(j, V(version), "prevResult"); }, path, fragment);
}

// ---- rendering -------------------------------------------------------------------------------

TEST(RenderResult, Golden_1_1_0) {
  EXPECT_EQ(render_result(canonical(), Version::V1_1_0), golden_1_1_0());
}

TEST(RenderResult, Golden_1_0_0_DropsThe_1_1_Fields) {
  EXPECT_EQ(render_result(canonical(), Version::V1_0_0), golden_1_0_0());
}

TEST(RenderResult, Golden_0_4_0_0_3_1_0_3_0_AddIpVersion) {
  for (const char* v : {"0.4.0", "0.3.1", "0.3.0"}) {
    EXPECT_EQ(render_result(canonical(), V(v)), golden_0_4_shape(v)) << v;
  }
}

TEST(RenderResult, Golden_0_2_0_0_1_0_FirstAddressPerFamily) {
  for (const char* v : {"0.2.0", "0.1.0"}) {
    EXPECT_EQ(render_result(canonical(), V(v)), golden_0_2_shape(v)) << v;
  }
}

TEST(RenderResult, EmptyResultKeepsOnlyVersionAndDns) {
  Result r;
  for (const char* v : {"1.1.0", "1.0.0", "0.4.0", "0.3.1", "0.3.0"}) {
    EXPECT_EQ(render_result(r, V(v)),
              json::parse(std::string(R"({"cniVersion":")") + v + R"(","dns":{}})"))
        << v;
  }
}

TEST(RenderResult, InterfaceOnlyResult) {
  Result r;
  r.interfaces.push_back({.name = "lo"});
  EXPECT_EQ(render_result(r, Version::V1_0_0),
            json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"lo"}],"dns":{}})"));
  // An empty name is still printed (Go: `json:"name"` without omitempty).
  r.interfaces[0].name.clear();
  EXPECT_EQ(render_result(r, Version::V1_1_0),
            json::parse(R"({"cniVersion":"1.1.0","interfaces":[{"name":""}],"dns":{}})"));
}

TEST(RenderResult, RouteTableAndScopeZeroArePrintedOnlyWhenSet) {
  Result r;
  r.routes.push_back({.dst = P("10.0.0.0/8"), .gw = std::nullopt, .table = 0, .scope = 0});
  r.routes.push_back({.dst = P("10.0.0.0/8"), .gw = std::nullopt});
  EXPECT_EQ(render_result(r, Version::V1_1_0), json::parse(R"({"cniVersion":"1.1.0","routes":[
    {"dst":"10.0.0.0/8","table":0,"scope":0},{"dst":"10.0.0.0/8"}],"dns":{}})"));
}

TEST(RenderResult, AddressesKeepHostBitsAndCanonicalText) {
  Result r;
  r.ips.push_back(
      {.address = P("2001:0DB8:0:0::0005/64"), .gateway = A("2001:db8:0:0::1"), .interface = {}});
  r.routes.push_back({.dst = P("10.9.8.7/8"), .gw = A("10.0.0.1")});
  auto j = render_result(r, Version::V1_0_0);
  EXPECT_EQ(j["ips"][0]["address"], "2001:db8::5/64");
  EXPECT_EQ(j["ips"][0]["gateway"], "2001:db8::1");
  EXPECT_EQ(j["routes"][0]["dst"], "10.9.8.7/8");
}

TEST(RenderResult, Legacy_OnlyIpv4DropsIpv6Routes) {
  Result r;
  r.ips.push_back({.address = P("10.0.0.2/24"), .gateway = std::nullopt, .interface = 0});
  r.routes.push_back({.dst = P("::/0"), .gw = A("fe80::1")});
  r.routes.push_back({.dst = P("0.0.0.0/0"), .gw = A("10.0.0.1"), .mtu = 9000});
  EXPECT_EQ(render_result(r, Version::V0_2_0), json::parse(R"({"cniVersion":"0.2.0",
    "ip4":{"ip":"10.0.0.2/24","routes":[{"dst":"0.0.0.0/0","gw":"10.0.0.1"}]},"dns":{}})"));
}

TEST(RenderResult, Legacy_OnlyIpv6WithoutRoutes) {
  Result r;
  r.ips.push_back({.address = P("fd00::2/64"), .gateway = A("fd00::1"), .interface = {}});
  r.routes.push_back({.dst = P("0.0.0.0/0"), .gw = A("10.0.0.1")});
  EXPECT_EQ(render_result(r, Version::V0_1_0), json::parse(R"({"cniVersion":"0.1.0",
    "ip6":{"ip":"fd00::2/64","gateway":"fd00::1"},"dns":{}})"));
}

TEST(RenderResult, Legacy_FirstOfEachFamilyEvenWhenInterleaved) {
  Result r;
  r.ips.push_back({.address = P("fd00::2/64"), .gateway = std::nullopt, .interface = {}});
  r.ips.push_back({.address = P("fd00::3/64"), .gateway = std::nullopt, .interface = {}});
  r.ips.push_back({.address = P("10.0.0.3/24"), .gateway = std::nullopt, .interface = {}});
  r.ips.push_back({.address = P("10.0.0.4/24"), .gateway = std::nullopt, .interface = {}});
  auto j = render_result(r, Version::V0_2_0);
  EXPECT_EQ(j["ip4"], json::parse(R"({"ip":"10.0.0.3/24"})"));
  EXPECT_EQ(j["ip6"], json::parse(R"({"ip":"fd00::2/64"})"));
}

TEST(RenderResult, Legacy_NoAddressIsAnIncompatibleVersionError) {
  Result r;
  r.interfaces.push_back({.name = "eth0"});
  r.routes.push_back({.dst = P("0.0.0.0/0"), .gw = A("10.0.0.1")});
  for (auto v : {Version::V0_2_0, Version::V0_1_0}) {
    try {
      render_result(r, v);
      ADD_FAILURE() << "no error for " << to_string(v);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Code::IncompatibleVersion);
      EXPECT_EQ(static_cast<unsigned>(e.code()), 1u);
      EXPECT_NE(e.msg().find(std::string(to_string(v))), std::string::npos) << e.msg();
      EXPECT_NE(e.msg().find("no IP address"), std::string::npos) << e.msg();
    }
  }
  EXPECT_NO_THROW(render_result(r, Version::V0_3_0));
}

// ---- round trips -----------------------------------------------------------------------------

TEST(RoundTrip, Exact_1_1_0) {
  auto r = canonical();
  EXPECT_EQ(parse_result(render_result(r, Version::V1_1_0), Version::V1_1_0, "prevResult"), r);
}

TEST(RoundTrip, Through_1_0_And_0_4_And_0_3_DropsOnly_1_1_Fields) {
  auto r = canonical();
  auto want = without_1_1_extras(r);
  ASSERT_NE(want, r);  // the fixture does exercise the dropped fields
  for (const char* v : {"1.0.0", "0.4.0", "0.3.1", "0.3.0"}) {
    EXPECT_EQ(parse_result(render_result(r, V(v)), V(v), "prevResult"), want) << v;
  }
}

TEST(RoundTrip, Through_0_2_And_0_1_KeepsFirstAddressPerFamily) {
  auto r = canonical();
  for (const char* v : {"0.2.0", "0.1.0"}) {
    EXPECT_EQ(parse_result(render_result(r, V(v)), V(v), "prevResult"), expected_after_0_2(r)) << v;
  }
}

TEST(RoundTrip, GoldenTextsParseToTheCanonicalForms) {
  EXPECT_EQ(parse_result(golden_1_1_0(), Version::V1_1_0, "r"), canonical());
  EXPECT_EQ(parse_result(golden_1_0_0(), Version::V1_0_0, "r"), without_1_1_extras(canonical()));
  EXPECT_EQ(parse_result(golden_0_4_shape("0.4.0"), Version::V0_4_0, "r"),
            without_1_1_extras(canonical()));
  EXPECT_EQ(parse_result(golden_0_2_shape("0.2.0"), Version::V0_2_0, "r"),
            expected_after_0_2(canonical()));
}

TEST(RoundTrip, DnsEmptyAndPartial) {
  Dns d;
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(render_dns(d), json::object());
  d.domain = "x.test";
  EXPECT_FALSE(d.empty());
  EXPECT_EQ(render_dns(d), json::parse(R"({"domain":"x.test"})"));
  d.domain.clear();
  d.options = {"rotate"};
  EXPECT_EQ(render_dns(d), json::parse(R"({"options":["rotate"]})"));
  EXPECT_EQ(parse_dns(render_dns(d), "dns"), d);
  Dns full = canonical().dns;
  EXPECT_EQ(render_dns(full), json::parse(kDns));
  EXPECT_EQ(parse_dns(json::parse(kDns), "dns"), full);
}

// ---- parsing specifics -----------------------------------------------------------------------

TEST(ParseResult, RequiredFieldsOnly) {
  auto r = parse_result(json::parse(R"({"cniVersion":"1.0.0",
      "interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.0.2/24"}],
      "routes":[{"dst":"0.0.0.0/0"}]})"),
                        Version::V1_0_0, "prevResult");
  Result want;
  want.interfaces.push_back({.name = "eth0"});
  want.ips.push_back({.address = P("10.0.0.2/24"), .gateway = std::nullopt, .interface = {}});
  want.routes.push_back({.dst = P("0.0.0.0/0"), .gw = std::nullopt});
  EXPECT_EQ(r, want);
}

TEST(ParseResult, UnknownKeysAndCniVersionAreIgnored) {
  auto r = parse_result(json::parse(R"({"cniVersion":"9.9.9","extra":{"x":[1,2]},
      "interfaces":[{"name":"eth0","metadata":{"a":"b"},"unknown":7}],
      "ips":[{"address":"10.0.0.2/24","foo":"bar"}],
      "routes":[{"dst":"0.0.0.0/0","weird":null}],
      "dns":{"nameservers":["1.1.1.1"],"bogus":1}})"),
                        Version::V1_1_0, "prevResult");
  EXPECT_EQ(r.interfaces.size(), 1u);
  EXPECT_EQ(r.ips.size(), 1u);
  EXPECT_EQ(r.routes.size(), 1u);
  EXPECT_EQ(r.dns.nameservers, std::vector<std::string>{"1.1.1.1"});
}

TEST(ParseResult, NullMeansAbsentForOptionalFields) {
  auto r = parse_result(json::parse(R"({"interfaces":[{"name":"eth0","mac":null,"sandbox":null,
      "mtu":null}],"ips":[{"address":"10.0.0.2/24","gateway":null,"interface":null}],
      "routes":[{"dst":"0.0.0.0/0","gw":null,"table":null,"scope":null,"mtu":null}],
      "dns":{"nameservers":null,"domain":null}})"),
                        Version::V1_1_0, "prevResult");
  EXPECT_EQ(r.interfaces.at(0), Interface{.name = "eth0"});
  EXPECT_FALSE(r.ips.at(0).gateway);
  EXPECT_FALSE(r.ips.at(0).interface);
  EXPECT_FALSE(r.routes.at(0).gw);
  EXPECT_FALSE(r.routes.at(0).table);
  EXPECT_TRUE(r.dns.empty());

  auto empty = parse_result(json::parse(R"({"interfaces":null,"ips":null,"routes":null,
      "dns":null})"),
                            Version::V1_0_0, "prevResult");
  EXPECT_EQ(empty, Result{});
  auto legacy = parse_result(json::parse(R"({"ip4":null,"ip6":{"ip":"fd00::2/64","routes":null}})"),
                             Version::V0_2_0, "prevResult");
  ASSERT_EQ(legacy.ips.size(), 1u);
  EXPECT_EQ(legacy.ips[0].address, P("fd00::2/64"));
}

TEST(ParseResult, V1IgnoresIpVersionKey) {
  auto r = parse_result(json::parse(R"({"ips":[{"address":"10.0.0.2/24","version":"6"},
      {"address":"fd00::2/64","version":4}]})"),
                        Version::V1_0_0, "prevResult");
  ASSERT_EQ(r.ips.size(), 2u);
  EXPECT_EQ(r.ips[1].address, P("fd00::2/64"));
}

TEST(ParseResult, V04IpVersionIsOptionalWhenConsistent) {
  auto r = parse_result(json::parse(R"({"ips":[{"address":"10.0.0.2/24","version":"4"},
      {"address":"fd00::2/64"}]})"),
                        Version::V0_4_0, "prevResult");
  ASSERT_EQ(r.ips.size(), 2u);
  EXPECT_EQ(r.ips[0].address, P("10.0.0.2/24"));
}

TEST(ParseResult, V04IgnoresInterfaceExtrasButKeepsRouteFields) {
  // types040.Interface has only name/mac/sandbox; types.Route is shared by every version.
  auto r = parse_result(json::parse(R"({"interfaces":[{"name":"eth0","mtu":1400,
      "socketPath":"/s","pciID":"p"}],"routes":[{"dst":"0.0.0.0/0","mtu":1300,"table":7}]})"),
                        Version::V0_4_0, "prevResult");
  EXPECT_EQ(r.interfaces.at(0), Interface{.name = "eth0"});
  EXPECT_EQ(r.routes.at(0).mtu, 1300);
  EXPECT_EQ(r.routes.at(0).table, 7);
  // So garbage in the ignored fields is not an error either.
  EXPECT_NO_THROW(parse_result(json::parse(R"({"interfaces":[{"name":"eth0","mtu":"big"}]})"),
                               Version::V0_3_1, "prevResult"));
}

TEST(ParseResult, V1ParsesInterfaceExtras) {
  auto r = parse_result(json::parse(R"({"interfaces":[{"name":"eth0","mtu":1400,
      "socketPath":"/s","pciID":"p"}]})"),
                        Version::V1_0_0, "prevResult");
  EXPECT_EQ(r.interfaces.at(0),
            (Interface{.name = "eth0", .mtu = 1400, .socket_path = "/s", .pci_id = "p"}));
}

TEST(ParseResult, LegacyRoutesKeepTheirOrderIpv4First) {
  auto r = parse_result(json::parse(R"({
      "ip6":{"ip":"fd00::2/64","routes":[{"dst":"::/0","gw":"fd00::1"}]},
      "ip4":{"ip":"10.0.0.2/24","gateway":"10.0.0.1",
             "routes":[{"dst":"0.0.0.0/0"},{"dst":"10.9.0.0/16","gw":"10.0.0.9","priority":3}]}})"),
                        Version::V0_1_0, "prevResult");
  ASSERT_EQ(r.ips.size(), 2u);
  EXPECT_TRUE(r.ips[0].address.address().is_v4());
  EXPECT_EQ(r.ips[0].gateway, A("10.0.0.1"));
  EXPECT_FALSE(r.ips[0].interface);
  EXPECT_FALSE(r.ips[1].address.address().is_v4());
  ASSERT_EQ(r.routes.size(), 3u);
  EXPECT_EQ(r.routes[0].dst, P("0.0.0.0/0"));
  EXPECT_EQ(r.routes[1].dst, P("10.9.0.0/16"));
  EXPECT_EQ(r.routes[1].priority, 3);  // convertFrom02x copies the whole route
  EXPECT_EQ(r.routes[2].dst, P("::/0"));
  EXPECT_TRUE(r.interfaces.empty());
}

TEST(ParseResult, EmptyObjectIsAnEmptyResultInEveryVersion) {
  for (auto v : kAllVersions) {
    EXPECT_EQ(parse_result(json::object(), v, "prevResult"), Result{}) << to_string(v);
  }
}

TEST(ParseDns, NullIsEmptyAndErrorsNameTheField) {
  EXPECT_TRUE(parse_dns(json(nullptr), "dns").empty());
  expect_decoding_error([] { parse_dns(json::array(), "conf.dns"); }, "conf.dns",
                        "expected a JSON object");
  expect_decoding_error([] { parse_dns(json::parse(R"({"search":"a.test"})"), "conf.dns"); },
                        "conf.dns.search", "expected a JSON array");
  expect_decoding_error(
      [] { parse_dns(json::parse(R"({"nameservers":["1.1.1.1",8]})"), "conf.dns"); },
      "conf.dns.nameservers[1]", "expected a string");
}

// ---- decoding errors -------------------------------------------------------------------------

TEST(ParseErrors, ExactMessageForABadAddress) {
  try {
    parse_result(json::parse(R"({"ips":[{"address":"10.1.0.500/24"}]})"), Version::V1_0_0,
                 "prevResult");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::DecodingFailure);
    EXPECT_EQ(static_cast<unsigned>(e.code()), 6u);
    EXPECT_EQ(
        e.msg(),
        R"(prevResult.ips[0].address: "10.1.0.500/24" is not an IP address with prefix length)");
  }
}

TEST(ParseErrors, NotAnObject) {
  for (const char* text : {"[]", "null", "\"x\"", "1", "true", "[{\"ips\":[]}]"}) {
    for (auto v : kAllVersions) {
      SCOPED_TRACE(text);
      json j = json::parse(text);
      expect_decoding_error([&] { parse_result(j, v, "prevResult"); }, "prevResult",
                            "expected a JSON object");
    }
  }
  // The field name is the caller's.
  expect_decoding_error([] { parse_result(json::array(), Version::V1_0_0, "conf.prevResult"); },
                        "conf.prevResult");
}

TEST(ParseErrors, Interfaces) {
  expect_parse_error("1.0.0", R"({"interfaces":{}})", "prevResult.interfaces",
                     "expected a JSON array");
  expect_parse_error("1.0.0", R"({"interfaces":"eth0"})", "prevResult.interfaces");
  expect_parse_error("1.0.0", R"({"interfaces":["eth0"]})", "prevResult.interfaces[0]",
                     "expected a JSON object");
  expect_parse_error("1.0.0", R"({"interfaces":[null]})", "prevResult.interfaces[0]");
  expect_parse_error("1.0.0", R"({"interfaces":[{"mac":"aa"}]})", "prevResult.interfaces[0].name",
                     "missing required field");
  expect_parse_error("1.0.0", R"({"interfaces":[{"name":null}]})", "prevResult.interfaces[0].name");
  expect_parse_error("0.4.0", R"({"interfaces":[{"name":7}]})", "prevResult.interfaces[0].name",
                     "expected a string");
  expect_parse_error("1.0.0", R"({"interfaces":[{"name":"a"},{"name":"b","mac":5}]})",
                     "prevResult.interfaces[1].mac");
  expect_parse_error("0.3.0", R"({"interfaces":[{"name":"a","sandbox":["/x"]}]})",
                     "prevResult.interfaces[0].sandbox");
  expect_parse_error("1.0.0", R"({"interfaces":[{"name":"a","mtu":"1500"}]})",
                     "prevResult.interfaces[0].mtu", "expected an integer");
  expect_parse_error("1.1.0", R"({"interfaces":[{"name":"a","mtu":1500.5}]})",
                     "prevResult.interfaces[0].mtu", "expected an integer");
  expect_parse_error("1.1.0", R"({"interfaces":[{"name":"a","mtu":4294967296}]})",
                     "prevResult.interfaces[0].mtu", "out of range");
  expect_parse_error("1.1.0", R"({"interfaces":[{"name":"a","mtu":-9223372036854775808}]})",
                     "prevResult.interfaces[0].mtu", "out of range");
  expect_parse_error("1.1.0", R"({"interfaces":[{"name":"a","socketPath":true}]})",
                     "prevResult.interfaces[0].socketPath");
  expect_parse_error("1.1.0", R"({"interfaces":[{"name":"a","pciID":{}}]})",
                     "prevResult.interfaces[0].pciID");
}

TEST(ParseErrors, Ips) {
  expect_parse_error("1.0.0", R"({"ips":{"address":"10.0.0.1/8"}})", "prevResult.ips",
                     "expected a JSON array");
  expect_parse_error("1.0.0", R"({"ips":[null]})", "prevResult.ips[0]", "expected a JSON object");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"10.0.0.1/8"},[]]})", "prevResult.ips[1]");
  expect_parse_error("1.0.0", R"({"ips":[{"gateway":"10.0.0.1"}]})", "prevResult.ips[0].address",
                     "missing required field");
  expect_parse_error("1.0.0", R"({"ips":[{"address":null}]})", "prevResult.ips[0].address",
                     "missing required field");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"10.0.0.1"}]})", "prevResult.ips[0].address",
                     "is not an IP address with prefix length");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"10.0.0.1/33"}]})",
                     "prevResult.ips[0].address");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"fe80::1%eth0/64"}]})",
                     "prevResult.ips[0].address");
  expect_parse_error("1.0.0", R"({"ips":[{"address":167772161}]})", "prevResult.ips[0].address",
                     "expected a string");
  expect_parse_error("1.0.0", R"({"ips":[{"address":["10.0.0.1/8"]}]})",
                     "prevResult.ips[0].address", "expected a string");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"10.0.0.2/8","gateway":"10.0.0.1/8"}]})",
                     "prevResult.ips[0].gateway", "is not an IP address");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"10.0.0.2/8","gateway":""}]})",
                     "prevResult.ips[0].gateway");
  expect_parse_error("1.0.0", R"({"ips":[{"address":"10.0.0.2/8","gateway":[10,0,0,1]}]})",
                     "prevResult.ips[0].gateway", "expected a string");
}

TEST(ParseErrors, InterfaceIndex) {
  const std::string two = R"("interfaces":[{"name":"a"},{"name":"b"}],)";
  for (const char* v : {"1.1.0", "1.0.0", "0.4.0", "0.3.0"}) {
    expect_parse_error(v, "{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":2}]})",
                       "prevResult.ips[0].interface", "out of range");
    expect_parse_error(v, "{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":-1}]})",
                       "prevResult.ips[0].interface", "out of range");
    expect_parse_error(v, R"({"ips":[{"address":"10.0.0.2/8","interface":0}]})",
                       "prevResult.ips[0].interface", "out of range");
    expect_parse_error(v, "{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":"1"}]})",
                       "prevResult.ips[0].interface", "expected an integer");
    expect_parse_error(v, "{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":1.0}]})",
                       "prevResult.ips[0].interface", "expected an integer");
    expect_parse_error(v, "{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":true}]})",
                       "prevResult.ips[0].interface", "expected an integer");
    expect_parse_error(
        v, "{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":18446744073709551615}]})",
        "prevResult.ips[0].interface", "out of range");
    // The last valid index is fine.
    EXPECT_NO_THROW(
        parse_result(json::parse("{" + two + R"("ips":[{"address":"10.0.0.2/8","interface":1}]})"),
                     V(v), "prevResult"));
  }
}

TEST(ParseErrors, IpVersionIn_0_3_And_0_4) {
  for (const char* v : {"0.4.0", "0.3.1", "0.3.0"}) {
    expect_parse_error(v, R"({"ips":[{"address":"10.0.0.2/8","version":"6"}]})",
                       "prevResult.ips[0].version", "does not match");
    expect_parse_error(v,
                       R"({"ips":[{"address":"10.0.0.2/8","version":"4"},
                                  {"address":"fd00::2/64","version":"4"}]})",
                       "prevResult.ips[1].version", "does not match");
    expect_parse_error(v, R"({"ips":[{"address":"10.0.0.2/8","version":"5"}]})",
                       "prevResult.ips[0].version", R"(expected "4" or "6", got "5")");
    expect_parse_error(v, R"({"ips":[{"address":"10.0.0.2/8","version":4}]})",
                       "prevResult.ips[0].version", "expected a string");
    expect_parse_error(v, R"({"ips":[{"address":"10.0.0.2/8","version":""}]})",
                       "prevResult.ips[0].version");
  }
}

TEST(ParseErrors, Routes) {
  expect_parse_error("1.0.0", R"({"routes":{"dst":"0.0.0.0/0"}})", "prevResult.routes",
                     "expected a JSON array");
  expect_parse_error("1.0.0", R"({"routes":[{"dst":"0.0.0.0/0"},"default"]})",
                     "prevResult.routes[1]", "expected a JSON object");
  expect_parse_error("1.0.0", R"({"routes":[{"gw":"10.0.0.1"}]})", "prevResult.routes[0].dst",
                     "missing required field");
  expect_parse_error("1.0.0", R"({"routes":[{"dst":"default"}]})", "prevResult.routes[0].dst",
                     "is not an IP address with prefix length");
  expect_parse_error("1.0.0", R"({"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0","gw":"x"}]})",
                     "prevResult.routes[1].gw", "is not an IP address");
  expect_parse_error("1.1.0", R"({"routes":[{"dst":"0.0.0.0/0","mtu":"1500"}]})",
                     "prevResult.routes[0].mtu", "expected an integer");
  expect_parse_error("1.1.0", R"({"routes":[{"dst":"0.0.0.0/0","advmss":1.5}]})",
                     "prevResult.routes[0].advmss");
  expect_parse_error("1.1.0", R"({"routes":[{"dst":"0.0.0.0/0","priority":[]}]})",
                     "prevResult.routes[0].priority");
  expect_parse_error("1.1.0", R"({"routes":[{"dst":"0.0.0.0/0","table":"main"}]})",
                     "prevResult.routes[0].table");
  expect_parse_error("0.4.0", R"({"routes":[{"dst":"0.0.0.0/0","scope":false}]})",
                     "prevResult.routes[0].scope");
}

TEST(ParseErrors, Dns) {
  expect_parse_error("1.0.0", R"({"dns":[]})", "prevResult.dns", "expected a JSON object");
  expect_parse_error("1.0.0", R"({"dns":"1.1.1.1"})", "prevResult.dns");
  expect_parse_error("1.0.0", R"({"dns":{"nameservers":"1.1.1.1"}})", "prevResult.dns.nameservers",
                     "expected a JSON array");
  expect_parse_error("1.0.0", R"({"dns":{"nameservers":["1.1.1.1",53]}})",
                     "prevResult.dns.nameservers[1]", "expected a string");
  expect_parse_error("0.2.0", R"({"ip4":{"ip":"10.0.0.2/8"},"dns":{"domain":1}})",
                     "prevResult.dns.domain");
  expect_parse_error("0.4.0", R"({"dns":{"search":{}}})", "prevResult.dns.search");
  expect_parse_error("1.1.0", R"({"dns":{"options":[null]}})", "prevResult.dns.options[0]");
}

TEST(ParseErrors, ShapeMismatch) {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    expect_parse_error(v, R"({"ip4":{"ip":"10.0.0.2/8"}})", "prevResult.ip4", v);
    expect_parse_error(v, R"({"ips":[],"ip6":{"ip":"fd00::2/64"}})", "prevResult.ip6");
    expect_parse_error(v, R"({"ip4":null})", "prevResult.ip4");
  }
  for (const char* v : {"0.1.0", "0.2.0"}) {
    expect_parse_error(v, R"({"ips":[{"address":"10.0.0.2/8"}]})", "prevResult.ips", v);
    expect_parse_error(v, R"({"ip4":{"ip":"10.0.0.2/8"},"interfaces":[{"name":"eth0"}]})",
                       "prevResult.interfaces");
  }
}

TEST(ParseErrors, LegacyShape) {
  expect_parse_error("0.2.0", R"({"ip4":"10.0.0.2/8"})", "prevResult.ip4",
                     "expected a JSON object");
  expect_parse_error("0.2.0", R"({"ip4":[]})", "prevResult.ip4");
  expect_parse_error("0.2.0", R"({"ip4":{"gateway":"10.0.0.1"}})", "prevResult.ip4.ip",
                     "missing required field");
  expect_parse_error("0.1.0", R"({"ip4":{"ip":"10.0.0.256/8"}})", "prevResult.ip4.ip",
                     "is not an IP address with prefix length");
  expect_parse_error("0.1.0", R"({"ip4":{"ip":"fd00::2/64"}})", "prevResult.ip4.ip", "IPv4");
  expect_parse_error("0.2.0", R"({"ip6":{"ip":"10.0.0.2/8"}})", "prevResult.ip6.ip", "IPv6");
  expect_parse_error("0.2.0", R"({"ip4":{"ip":"10.0.0.2/8","gateway":"gw"}})",
                     "prevResult.ip4.gateway");
  expect_parse_error("0.2.0", R"({"ip4":{"ip":"10.0.0.2/8","routes":{}}})", "prevResult.ip4.routes",
                     "expected a JSON array");
  expect_parse_error("0.2.0",
                     R"({"ip4":{"ip":"10.0.0.2/8"},"ip6":{"ip":"fd00::2/64",
                         "routes":[{"dst":"::/0"},{"dst":"::/129"}]}})",
                     "prevResult.ip6.routes[1].dst");
  expect_parse_error("0.2.0", R"({"ip6":{"ip":"fd00::2/64","routes":[{"dst":"::/0","gw":1}]}})",
                     "prevResult.ip6.routes[0].gw", "expected a string");
}

TEST(ParseErrors, InvalidUtf8InAValueDoesNotBreakTheMessage) {
  // json built in memory (not parsed) can hold invalid UTF-8; quoting it must not throw.
  json j = {{"ips", json::array({{{"address", std::string("\xff\xfe/24")}}})}};
  expect_decoding_error([&] { parse_result(j, Version::V1_0_0, "prevResult"); },
                        "prevResult.ips[0].address");
  json long_value = {{"ips", json::array({{{"address", std::string(100000, 'a')}}})}};
  try {
    parse_result(long_value, Version::V1_0_0, "prevResult");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_LT(e.msg().size(), 1000u);  // the value is cut short in the message
  }
}

// Replaces every node of a valid result (leaves, objects and arrays) by each value of a set of
// hostile values and parses it as every version: the outcome is either a result or a
// cni::Error(DecodingFailure) whose message starts with the root field; never another exception.
void collect_pointers(const json& j, const json::json_pointer& at,
                      std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (j.is_object()) {
    for (const auto& [key, value] : j.items())
      collect_pointers(value, at / key, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      collect_pointers(j[i], at / i, out);
  }
}

TEST(ParseHostile, EveryNodeReplacedByEveryKindOfValue) {
  const std::vector<json> hostile = {
      nullptr,
      true,
      false,
      0,
      -1,
      1.5,
      json(18446744073709551615u),
      "",
      "x",
      "10.0.0.1/8",
      "::1",
      "4",
      "6",
      json::array(),
      json::object(),
      json::array({nullptr}),
      json::parse(R"({"name":1,"address":[]})"),
  };
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  for (const json& base : {golden_1_1_0(), golden_0_4_shape("0.4.0"), golden_0_2_shape("0.2.0")}) {
    std::vector<json::json_pointer> pointers;
    collect_pointers(base, json::json_pointer(), pointers);
    for (const auto& ptr : pointers) {
      for (const auto& value : hostile) {
        json mutated = base;
        if (ptr.empty()) {
          mutated = value;
        } else {
          mutated[ptr] = value;
        }
        for (auto v : kAllVersions) {
          try {
            parse_result(mutated, v, "prevResult");
            ++accepted;
          } catch (const Error& e) {
            ++rejected;
            ASSERT_EQ(e.code(), Code::DecodingFailure) << e.msg();
            ASSERT_EQ(e.msg().rfind("prevResult", 0), 0u) << e.msg();
          } catch (const std::exception& e) {
            FAIL() << "non-cni exception at " << ptr.to_string() << " = " << value.dump() << " ("
                   << to_string(v) << "): " << e.what();
          }
        }
      }
    }
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace cni

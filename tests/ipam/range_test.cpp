#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "fake_store.hpp"
#include "range_set.hpp"
#include "test_util.hpp"

namespace cni::ipam {
namespace {

using nlohmann::json;
using test::ip;

Range range(const json& j) {
  return parse_range(j, "ipam.ranges[0][0]");
}
RangeSet set_of(const json& j) {
  return parse_range_set(j, "ipam.ranges[0]");
}

std::vector<std::string> walk(const RangeSet& s, std::optional<net::IpAddress> last,
                              std::size_t max = 10000) {
  std::vector<std::string> out;
  RangeIter it(s, last);
  while (auto c = it.next()) {
    out.push_back(c->ip.to_string());
    if (out.size() > max) break;
  }
  return out;
}

TEST(Range, V4DefaultsAsTheReference) {
  auto r = range({{"subnet", "10.1.2.0/24"}});
  EXPECT_EQ(r.subnet.to_string(), "10.1.2.0/24");
  EXPECT_EQ(r.gateway.to_string(), "10.1.2.1");
  EXPECT_EQ(r.start.to_string(), "10.1.2.1");
  EXPECT_EQ(r.end.to_string(), "10.1.2.254");
  EXPECT_EQ(r.to_string(), "10.1.2.1-10.1.2.254");
  EXPECT_EQ(r.size(), u128{253});  // .1 is the gateway
  EXPECT_EQ(r.field, "ipam.ranges[0][0]");
}

TEST(Range, V6DefaultsAsTheReference) {
  auto r = range({{"subnet", "2001:db8:1::/64"}});
  EXPECT_EQ(r.gateway.to_string(), "2001:db8:1::1");
  EXPECT_EQ(r.start.to_string(), "2001:db8:1::1");
  EXPECT_EQ(r.end.to_string(), "2001:db8:1:0:ffff:ffff:ffff:ffff");  // no broadcast in v6
  EXPECT_EQ(r.size(), (u128{1} << 64) - 2);                          // minus network and gw
}

TEST(Range, ExplicitKeys) {
  auto r = range({{"subnet", "10.1.0.0/16"},
                  {"rangeStart", "10.1.5.10"},
                  {"rangeEnd", "10.1.5.20"},
                  {"gateway", "10.1.0.254"}});
  EXPECT_EQ(r.to_string(), "10.1.5.10-10.1.5.20");
  EXPECT_EQ(r.gateway.to_string(), "10.1.0.254");
  EXPECT_EQ(r.size(), u128{11});
  EXPECT_TRUE(r.contains(ip("10.1.5.10")));
  EXPECT_TRUE(r.contains(ip("10.1.5.20")));
  EXPECT_FALSE(r.contains(ip("10.1.5.21")));
  EXPECT_FALSE(r.contains(ip("10.1.5.9")));
  EXPECT_FALSE(r.contains(ip("2001:db8::1")));
}

TEST(Range, EmptyStringsAreAbsentAsInGo) {
  auto r = range({{"subnet", "10.1.2.0/24"}, {"gateway", ""}, {"rangeStart", nullptr}});
  EXPECT_EQ(r.gateway.to_string(), "10.1.2.1");
  EXPECT_EQ(r.start.to_string(), "10.1.2.1");
}

TEST(Range, V4MappedAddressesAreCanonicalised) {
  auto r = range({{"subnet", "10.1.2.0/24"}, {"gateway", "::ffff:10.1.2.9"}});
  EXPECT_TRUE(r.gateway.is_v4());
  EXPECT_EQ(r.gateway.to_string(), "10.1.2.9");
  EXPECT_EQ(canonical(ip("::ffff:1.2.3.4")).to_string(), "1.2.3.4");
  EXPECT_FALSE(canonical(ip("::102:304")).is_v4());  // IPv4-compatible is not mapped
}

TEST(Range, SmallestSubnets) {
  auto r = range({{"subnet", "10.0.0.0/30"}});
  EXPECT_EQ(r.to_string(), "10.0.0.1-10.0.0.2");
  EXPECT_EQ(r.size(), u128{1});
  auto r6 = range({{"subnet", "fd00::/126"}});
  EXPECT_EQ(r6.to_string(), "fd00::1-fd00::3");
  EXPECT_EQ(r6.size(), u128{2});
}

TEST(Range, ValidationErrorsNameTheKey) {
  using enum Code;
  EXPECT_CNI_ERROR(range({{"subnet", "10.0.0.0/31"}}), InvalidConfig,
                   "ipam.ranges[0][0].subnet: Network 10.0.0.0/31 too small to allocate from");
  EXPECT_CNI_ERROR(range({{"subnet", "10.0.0.1/32"}}), InvalidConfig, "too small");
  EXPECT_CNI_ERROR(range({{"subnet", "fd00::/127"}}), InvalidConfig,
                   "Network fd00::/127 too small");
  EXPECT_CNI_ERROR(range({{"subnet", "fd00::/128"}}), InvalidConfig, "too small");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.5/24"}}), InvalidConfig,
                   "ipam.ranges[0][0].subnet: Network has host bits set. For a subnet mask of "
                   "length 24 the network address is 10.1.2.0");
  EXPECT_CNI_ERROR(range(json::object()), InvalidConfig, "ipam.ranges[0][0].subnet: missing");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.0"}}), InvalidConfig, "subnet: invalid CIDR");
  EXPECT_CNI_ERROR(range({{"subnet", 5}}), DecodingFailure, "subnet: must be a string");
  EXPECT_CNI_ERROR(range(json::array()), DecodingFailure, "must be a JSON object");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.0/24"}, {"gateway", "10.1.3.1"}}), InvalidConfig,
                   "ipam.ranges[0][0].gateway: gateway 10.1.3.1 not in network 10.1.2.0/24");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.0/24"}, {"gateway", "fd00::1"}}), InvalidConfig,
                   "gateway: gateway fd00::1 not in network");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.0/24"}, {"gateway", "10.1.2.x"}}), InvalidConfig,
                   "gateway: invalid IP address \"10.1.2.x\"");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.0/24"}, {"rangeStart", "10.1.3.1"}}), InvalidConfig,
                   "ipam.ranges[0][0].rangeStart: RangeStart 10.1.3.1 not in network 10.1.2.0/24");
  EXPECT_CNI_ERROR(range({{"subnet", "10.1.2.0/24"}, {"rangeEnd", "10.1.3.1"}}), InvalidConfig,
                   "ipam.ranges[0][0].rangeEnd: RangeEnd 10.1.3.1 not in network 10.1.2.0/24");
  EXPECT_CNI_ERROR(
      range({{"subnet", "10.1.2.0/24"}, {"rangeStart", "10.1.2.50"}, {"rangeEnd", "10.1.2.10"}}),
      InvalidConfig, "rangeEnd: RangeEnd 10.1.2.10 is before RangeStart 10.1.2.50");
}

TEST(Range, SkipsGatewayNetworkAndBroadcast) {
  auto r = range({{"subnet", "10.1.2.0/24"}, {"gateway", "10.1.2.9"}});
  EXPECT_TRUE(r.is_skipped(ip("10.1.2.9")));
  EXPECT_TRUE(r.is_skipped(ip("10.1.2.0")));
  EXPECT_TRUE(r.is_skipped(ip("10.1.2.255")));
  EXPECT_FALSE(r.is_skipped(ip("10.1.2.1")));
  auto r6 = range({{"subnet", "fd00::/120"}});
  EXPECT_TRUE(r6.is_skipped(ip("fd00::")));
  EXPECT_FALSE(r6.is_skipped(ip("fd00::ff")));  // no broadcast in IPv6
}

TEST(Range, Overlaps) {
  auto a =
      range({{"subnet", "10.1.2.0/24"}, {"rangeStart", "10.1.2.10"}, {"rangeEnd", "10.1.2.20"}});
  auto b =
      range({{"subnet", "10.1.2.0/24"}, {"rangeStart", "10.1.2.21"}, {"rangeEnd", "10.1.2.30"}});
  auto c =
      range({{"subnet", "10.1.2.0/24"}, {"rangeStart", "10.1.2.15"}, {"rangeEnd", "10.1.2.40"}});
  auto inner =
      range({{"subnet", "10.1.2.0/24"}, {"rangeStart", "10.1.2.12"}, {"rangeEnd", "10.1.2.13"}});
  auto v6 = range({{"subnet", "fd00::/64"}});
  EXPECT_FALSE(a.overlaps(b));
  EXPECT_TRUE(a.overlaps(c));
  EXPECT_TRUE(b.overlaps(c));
  EXPECT_TRUE(a.overlaps(inner));
  EXPECT_TRUE(inner.overlaps(a));
  EXPECT_FALSE(a.overlaps(v6));
}

TEST(RangeSet, Validation) {
  using enum Code;
  EXPECT_CNI_ERROR(set_of(json::array()), InvalidConfig, "ipam.ranges[0]: empty range set");
  EXPECT_CNI_ERROR(set_of(json::object()), DecodingFailure, "ipam.ranges[0]: must be a list");
  EXPECT_CNI_ERROR(set_of(json::array({{{"subnet", "10.1.2.0/24"}}, {{"subnet", "fd00::/64"}}})),
                   InvalidConfig, "ipam.ranges[0]: mixed address families");
  EXPECT_CNI_ERROR(set_of(json::array({{{"subnet", "10.1.2.0/24"}}, {{"subnet", "10.1.0.0/16"}}})),
                   InvalidConfig,
                   "ipam.ranges[0]: subnets 10.1.2.1-10.1.2.254 and "
                   "10.1.0.1-10.1.255.254 overlap");
  EXPECT_CNI_ERROR(set_of(json::array({{{"subnet", "10.1.2.0/31"}}})), InvalidConfig,
                   "ipam.ranges[0][0].subnet: Network 10.1.2.0/31");
  auto s = set_of(json::array({{{"subnet", "10.1.2.0/24"}}, {{"subnet", "10.2.2.0/24"}}}));
  EXPECT_EQ(s.to_string(), "10.1.2.1-10.1.2.254,10.2.2.1-10.2.2.254");
  EXPECT_EQ(s.range_for(ip("10.2.2.7")), &s.ranges[1]);
  EXPECT_EQ(s.range_for(ip("10.3.2.7")), nullptr);
}

TEST(RangeIter, FromTheStartSkippingTheGateway) {
  auto s = set_of(json::array({{{"subnet", "10.0.0.0/29"}}}));
  EXPECT_EQ(walk(s, std::nullopt),
            (std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
}

TEST(RangeIter, RoundRobinFromLastReservedWithWrapAround) {
  auto s = set_of(json::array({{{"subnet", "10.0.0.0/29"}}}));
  EXPECT_EQ(walk(s, ip("10.0.0.4")),
            (std::vector<std::string>{"10.0.0.5", "10.0.0.6", "10.0.0.2", "10.0.0.3", "10.0.0.4"}));
  EXPECT_EQ(walk(s, ip("10.0.0.6")),
            (std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  // A last-reserved address outside the set (the config changed) starts from the beginning.
  EXPECT_EQ(walk(s, ip("10.9.0.1")).front(), "10.0.0.2");
}

TEST(RangeIter, AcrossRangesOfASet) {
  auto s = set_of(json::array({{{"subnet", "10.0.0.0/30"}}, {{"subnet", "10.0.1.0/30"}}}));
  EXPECT_EQ(walk(s, std::nullopt), (std::vector<std::string>{"10.0.0.2", "10.0.1.2"}));
  EXPECT_EQ(walk(s, ip("10.0.0.2")), (std::vector<std::string>{"10.0.1.2", "10.0.0.2"}));
}

TEST(RangeIter, NeverOffersNetworkOrBroadcastEvenWhenTheRangeIncludesThem) {
  auto s = set_of(json::array({{{"subnet", "10.0.0.0/29"},
                                {"rangeStart", "10.0.0.0"},
                                {"rangeEnd", "10.0.0.7"},
                                {"gateway", "10.0.0.3"}}}));
  EXPECT_EQ(walk(s, std::nullopt),
            (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(s.ranges[0].size(), u128{5});
}

TEST(RangeIter, EveryAddressOfASlash24ExactlyOnce) {
  auto s = set_of(json::array({{{"subnet", "10.1.2.0/24"}}}));
  auto all = walk(s, ip("10.1.2.77"));
  EXPECT_EQ(all.size(), 253u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 253u);
  EXPECT_EQ(all.front(), "10.1.2.78");
  EXPECT_EQ(all.back(), "10.1.2.77");
}

TEST(RangeIter, Ipv6StartsAfterTheGateway) {
  auto s = set_of(json::array({{{"subnet", "2001:db8::/64"}}}));
  RangeIter it(s, std::nullopt);
  EXPECT_EQ(it.next()->ip.to_string(), "2001:db8::2");
  EXPECT_EQ(it.next()->ip.to_string(), "2001:db8::3");
  RangeIter wrap(s, ip("2001:db8::ffff:ffff:ffff:ffff"));
  EXPECT_EQ(wrap.next()->ip.to_string(), "2001:db8::2");
}

TEST(RangeSet, FreeCount) {
  auto s = set_of(json::array({{{"subnet", "10.0.0.0/29"}}, {{"subnet", "10.0.1.0/30"}}}));
  EXPECT_EQ(s.free_count({}), u128{6});  // 5 + 1
  std::vector<net::IpAddress> reserved{ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.6"),
                                       ip("10.0.1.2"), ip("10.9.9.9")};
  // .1 is the gateway (already not counted), 10.9.9.9 is outside: 6 - 3.
  EXPECT_EQ(s.free_count(reserved), u128{3});
  std::vector<net::IpAddress> full{ip("10.0.0.2"), ip("10.0.0.3"), ip("10.0.0.4"),
                                   ip("10.0.0.5"), ip("10.0.0.6"), ip("10.0.1.2")};
  EXPECT_EQ(s.free_count(full), u128{0});
}

}  // namespace
}  // namespace cni::ipam

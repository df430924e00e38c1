// Unit tests for the pure IP address / prefix values (common/net/ip.hpp).
#include "net/ip.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace cni::net {
namespace {

IpAddress ip(const std::string& s) {
  auto a = IpAddress::parse(s);
  EXPECT_TRUE(a.has_value()) << "failed to parse " << s;
  return a.value_or(IpAddress{});
}

Prefix pfx(const std::string& s) {
  auto p = Prefix::parse(s);
  EXPECT_TRUE(p.has_value()) << "failed to parse " << s;
  return p.value_or(Prefix{});
}

// ---- IpAddress::parse / to_string --------------------------------------------------------------

TEST(IpAddressParse, Ipv4BytesAndText) {
  auto a = IpAddress::parse("10.1.0.5");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->family(), Family::V4);
  EXPECT_EQ(a->bit_length(), 32);
  EXPECT_EQ(a->byte_length(), 4u);
  EXPECT_EQ(a->bytes()[0], 10);
  EXPECT_EQ(a->bytes()[1], 1);
  EXPECT_EQ(a->bytes()[2], 0);
  EXPECT_EQ(a->bytes()[3], 5);
  EXPECT_EQ(a->to_string(), "10.1.0.5");
  EXPECT_EQ(*a, IpAddress::v4({10, 1, 0, 5}));
}

TEST(IpAddressParse, Ipv4Extremes) {
  EXPECT_EQ(ip("0.0.0.0").to_string(), "0.0.0.0");
  EXPECT_EQ(ip("255.255.255.255").to_string(), "255.255.255.255");
  EXPECT_EQ(ip("255.255.255.255"), IpAddress::v4({255, 255, 255, 255}));
}

TEST(IpAddressParse, Ipv6BytesAndFamily) {
  auto a = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->family(), Family::V6);
  EXPECT_EQ(a->bit_length(), 128);
  EXPECT_EQ(a->byte_length(), 16u);
  std::array<std::uint8_t, 16> want{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(a->bytes(), want);
  EXPECT_EQ(*a, IpAddress::v6(want));
}

struct Canon {
  const char* in;
  const char* out;
};

// RFC 5952 section 4: lowercase, no leading zeros, "::" for the longest run of two or more zero
// fields (the first one on a tie), never for a single zero field; section 5: IPv4-mapped
// addresses in mixed notation.
TEST(IpAddressFormat, Rfc5952CanonicalForms) {
  const std::vector<Canon> cases = {
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:DB8::1", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // first of two equal runs
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // the longest run, not the first
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // a single zero field stays
      {"2001:db8::", "2001:db8::"},
      {"::", "::"},
      {"0:0:0:0:0:0:0:0", "::"},
      {"::1", "::1"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1::", "1::"},
      {"fe80::a:b:c:d", "fe80::a:b:c:d"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"0:0:0:0:0:ffff:102:304", "::ffff:1.2.3.4"},
      {"::ffff:0:0", "::ffff:0.0.0.0"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (const auto& c : cases) {
    auto a = IpAddress::parse(c.in);
    ASSERT_TRUE(a) << c.in;
    EXPECT_FALSE(a->is_v4()) << c.in;
    EXPECT_EQ(a->to_string(), c.out) << c.in;
  }
}

// IPv4-compatible (::/96, deprecated) addresses are plain hex, as Go's net.IP.String() and RFC
// 5952 give them (glibc's inet_ntop would print "::0.1.0.2").
TEST(IpAddressFormat, NoEmbeddedIpv4ForCompatibleAddresses) {
  EXPECT_EQ(ip("::1:2").to_string(), "::1:2");
  EXPECT_EQ(ip("::1.2.3.4").to_string(), "::102:304");
  EXPECT_EQ(ip("::ffff:0:1.2.3.4").to_string(), "::ffff:0:102:304");  // not v4-mapped
  EXPECT_EQ(ip("::2").to_string(), "::2");
}

TEST(IpAddressFormat, RoundTripsThroughText) {
  for (const char* s : {"10.0.0.1", "192.168.255.0", "2001:db8::", "fd00:1:2:3::42",
                        "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8", "::1:0:0:0:0"}) {
    auto a = ip(s);
    auto again = IpAddress::parse(a.to_string());
    ASSERT_TRUE(again) << s;
    EXPECT_EQ(*again, a) << s;
  }
}

TEST(IpAddressParse, Rejects) {
  for (const char* s : {
           "",
           "1.2.3",
           "1.2.3.4.5",
           "256.1.1.1",
           "1.2.3.256",
           "01.2.3.4",  // leading zero (octal ambiguity; Go rejects it)
           "1.2.3.04",
           "0x1.2.3.4",
           " 1.2.3.4",
           "1.2.3.4 ",
           "1.2.3.4/24",  // a prefix is not an address
           "1.2.3.-4",
           "fe80::1%eth0",  // zone ids are not accepted
           "2001:db8::1::1",
           "2001:db8:::1",
           ":1::",
           "1:2:3:4:5:6:7:8:9",
           "12345::1",
           "g::1",
           "::ffff:01.2.3.4",
           "[::1]",
           "localhost",
       }) {
    EXPECT_FALSE(IpAddress::parse(s).has_value()) << '"' << s << '"';
  }
}

TEST(IpAddressParse, RejectsEmbeddedNulAndOverlongInput) {
  using namespace std::string_literals;
  EXPECT_FALSE(IpAddress::parse("1.2.3.4\0"s).has_value());
  EXPECT_FALSE(IpAddress::parse("1.2.3.4\0garbage"s).has_value());
  EXPECT_FALSE(IpAddress::parse(std::string(1000, '1')).has_value());
  EXPECT_FALSE(IpAddress::parse(std::string(100, ':')).has_value());
}

TEST(IpAddress, DefaultIsIpv4Zero) {
  IpAddress a;
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.to_string(), "0.0.0.0");
  EXPECT_TRUE(a.is_unspecified());
}

TEST(IpAddress, LoopbackAndUnspecified) {
  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("127.255.0.9").is_loopback());
  EXPECT_FALSE(ip("128.0.0.1").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
  EXPECT_FALSE(ip("1::1").is_loopback());
  EXPECT_TRUE(ip("0.0.0.0").is_unspecified());
  EXPECT_FALSE(ip("0.0.0.1").is_unspecified());
  EXPECT_TRUE(ip("::").is_unspecified());
  EXPECT_FALSE(ip("::1").is_unspecified());
  EXPECT_FALSE(ip("1::").is_unspecified());
}

// ---- next / prev ---------------------------------------------------------------------------

TEST(IpAddressStep, NextAndPrevCarry) {
  EXPECT_EQ(ip("10.0.0.1").next(), ip("10.0.0.2"));
  EXPECT_EQ(ip("10.0.0.255").next(), ip("10.0.1.0"));
  EXPECT_EQ(ip("10.255.255.255").next(), ip("11.0.0.0"));
  EXPECT_EQ(ip("10.0.1.0").prev(), ip("10.0.0.255"));
  EXPECT_EQ(ip("11.0.0.0").prev(), ip("10.255.255.255"));
  EXPECT_EQ(ip("2001:db8::ffff").next(), ip("2001:db8::1:0"));
  EXPECT_EQ(ip("2001:db8::1:0").prev(), ip("2001:db8::ffff"));
  EXPECT_EQ(ip("2001:db8:0:0:ffff:ffff:ffff:ffff").next(), ip("2001:db8:0:1::"));
}

TEST(IpAddressStep, WrapsWithinTheFamily) {
  auto top4 = ip("255.255.255.255").next();
  EXPECT_TRUE(top4.is_v4());
  EXPECT_EQ(top4, ip("0.0.0.0"));
  EXPECT_EQ(ip("0.0.0.0").prev(), ip("255.255.255.255"));
  auto top6 = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next();
  EXPECT_FALSE(top6.is_v4());
  EXPECT_EQ(top6, ip("::"));
  EXPECT_EQ(ip("::").prev(), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST(IpAddressStep, Ipv4StepDoesNotTouchUnusedBytes) {
  // Equality compares all 16 bytes: an IPv4 carry must stay within the first four.
  EXPECT_EQ(ip("255.255.255.255").next(), IpAddress::v4({0, 0, 0, 0}));
  EXPECT_EQ(ip("0.0.0.0").prev(), IpAddress::v4({255, 255, 255, 255}));
  EXPECT_EQ(ip("0.0.0.0").prev().next(), IpAddress{});
}

TEST(IpAddressStep, NextPrevInverse) {
  for (const char* s : {"0.0.0.0", "10.1.2.3", "10.1.2.255", "255.255.255.255", "::", "::ffff",
                        "2001:db8::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    EXPECT_EQ(ip(s).next().prev(), ip(s)) << s;
    EXPECT_EQ(ip(s).prev().next(), ip(s)) << s;
  }
}

// ---- ordering --------------------------------------------------------------------------------

TEST(IpAddressOrder, Ipv4BeforeIpv6ThenBytes) {
  EXPECT_LT(ip("10.0.0.1"), ip("10.0.0.2"));
  EXPECT_LT(ip("9.255.255.255"), ip("10.0.0.0"));
  EXPECT_LT(ip("1.0.0.0"), ip("0.255.255.255").next().next());
  EXPECT_LT(ip("255.255.255.255"), ip("::"));
  EXPECT_LT(ip("::1"), ip("::2"));
  EXPECT_LT(ip("::ffff"), ip("::1:0"));
  EXPECT_GT(ip("2001:db8::1"), ip("2001:db7:ffff::"));
  EXPECT_EQ(ip("2001:db8::1"), ip("2001:0db8:0:0::1"));
  EXPECT_NE(ip("0.0.0.0"), ip("::"));

  std::vector<IpAddress> v = {ip("::1"), ip("10.0.0.2"), ip("10.0.0.10"), ip("1.2.3.4"),
                              ip("fe80::1")};
  std::sort(v.begin(), v.end());
  std::vector<std::string> got;
  got.reserve(v.size());
  for (const auto& a : v)
    got.push_back(a.to_string());
  EXPECT_EQ(got, (std::vector<std::string>{"1.2.3.4", "10.0.0.2", "10.0.0.10", "::1", "fe80::1"}));
}

// ---- Prefix ----------------------------------------------------------------------------------

TEST(PrefixParse, KeepsHostBits) {
  auto p = Prefix::parse("10.1.0.5/16");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address(), ip("10.1.0.5"));
  EXPECT_EQ(p->length(), 16);
  EXPECT_EQ(p->family(), Family::V4);
  EXPECT_EQ(p->to_string(), "10.1.0.5/16");
  EXPECT_FALSE(p->is_network());
  EXPECT_EQ(p->network().to_string(), "10.1.0.0/16");
  EXPECT_TRUE(p->network().is_network());
}

TEST(PrefixParse, Ipv6) {
  auto p = Prefix::parse("2001:DB8:0:0::5/64");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->family(), Family::V6);
  EXPECT_EQ(p->length(), 64);
  EXPECT_EQ(p->to_string(), "2001:db8::5/64");
  EXPECT_EQ(p->network().to_string(), "2001:db8::/64");
  EXPECT_EQ(pfx("::/0").to_string(), "::/0");
  EXPECT_EQ(pfx("::1/128").to_string(), "::1/128");
}

TEST(PrefixParse, LengthBounds) {
  EXPECT_EQ(pfx("0.0.0.0/0").length(), 0);
  EXPECT_EQ(pfx("1.2.3.4/32").length(), 32);
  EXPECT_EQ(pfx("::/128").length(), 128);
  EXPECT_FALSE(Prefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(Prefix::parse("::/129"));
  EXPECT_FALSE(Prefix::parse("10.0.0.0/99999999999999999999"));
}

// Leading zeros in the length are accepted, as Go's net.ParseCIDR (dtoi) does: "/08" is /8.
TEST(PrefixParse, LengthWithLeadingZerosIsDecimal) {
  EXPECT_EQ(pfx("10.0.0.0/08").length(), 8);
  EXPECT_EQ(pfx("10.0.0.0/008").length(), 8);
  EXPECT_EQ(pfx("10.0.0.0/00").length(), 0);
  EXPECT_EQ(pfx("2001:db8::/0064").length(), 64);
  EXPECT_EQ(pfx("10.0.0.0/08").to_string(), "10.0.0.0/8");
  EXPECT_FALSE(Prefix::parse("10.0.0.0/033"));
}

TEST(PrefixParse, Rejects) {
  for (const char* s : {
           "",
           "/",
           "10.0.0.0",
           "10.0.0.0/",
           "/24",
           "10.0.0.0/-1",
           "10.0.0.0/-0",  // a sign is not a digit (std::from_chars would take it)
           "10.0.0.0/+8",
           "10.0.0.0/ 8",
           "10.0.0.0/8 ",
           " 10.0.0.0/8",
           "10.0.0.0/8/8",
           "10.0.0.0/0x8",
           "10.0.0.0/8.0",
           "10.0.0.0/255.0.0.0",  // netmask notation is not CIDR
           "10.1.0.500/24",
           "01.0.0.0/8",
           "fe80::1%eth0/64",
           "2001:db8::/abc",
       }) {
    EXPECT_FALSE(Prefix::parse(s).has_value()) << '"' << s << '"';
  }
}

TEST(Prefix, ConstructorClampsLength) {
  EXPECT_EQ(Prefix(ip("10.0.0.0"), 40).length(), 32);
  EXPECT_EQ(Prefix(ip("10.0.0.0"), -3).length(), 0);
  EXPECT_EQ(Prefix(ip("::"), 200).length(), 128);
}

TEST(Prefix, NetworkAtEveryBoundary) {
  EXPECT_EQ(pfx("10.1.2.3/0").network().to_string(), "0.0.0.0/0");
  EXPECT_EQ(pfx("10.1.2.3/1").network().to_string(), "0.0.0.0/1");
  EXPECT_EQ(pfx("200.1.2.3/1").network().to_string(), "128.0.0.0/1");
  EXPECT_EQ(pfx("10.255.2.3/9").network().to_string(), "10.128.0.0/9");
  EXPECT_EQ(pfx("10.1.2.3/31").network().to_string(), "10.1.2.2/31");
  EXPECT_EQ(pfx("10.1.2.3/32").network().to_string(), "10.1.2.3/32");
  EXPECT_EQ(pfx("172.16.255.255/12").network().to_string(), "172.16.0.0/12");
  EXPECT_EQ(pfx("2001:db8:abcd:1234::1/48").network().to_string(), "2001:db8:abcd::/48");
  EXPECT_EQ(pfx("2001:db8::ffff/127").network().to_string(), "2001:db8::fffe/127");
  EXPECT_EQ(pfx("2001:db8::ffff/121").network().to_string(), "2001:db8::ff80/121");
  EXPECT_TRUE(pfx("10.0.0.0/8").is_network());
  EXPECT_TRUE(pfx("0.0.0.0/0").is_network());
  EXPECT_FALSE(pfx("10.0.0.1/8").is_network());
  EXPECT_TRUE(pfx("10.0.0.1/32").is_network());
}

TEST(Prefix, Last) {
  EXPECT_EQ(pfx("10.1.0.5/16").last(), ip("10.1.255.255"));
  EXPECT_EQ(pfx("192.168.1.0/24").last(), ip("192.168.1.255"));
  EXPECT_EQ(pfx("192.168.1.0/25").last(), ip("192.168.1.127"));
  EXPECT_EQ(pfx("192.168.1.128/25").last(), ip("192.168.1.255"));
  EXPECT_EQ(pfx("10.0.0.0/31").last(), ip("10.0.0.1"));
  EXPECT_EQ(pfx("10.0.0.7/32").last(), ip("10.0.0.7"));
  EXPECT_EQ(pfx("0.0.0.0/0").last(), ip("255.255.255.255"));
  EXPECT_EQ(pfx("10.0.0.0/12").last(), ip("10.15.255.255"));
  EXPECT_EQ(pfx("2001:db8::/64").last(), ip("2001:db8::ffff:ffff:ffff:ffff"));
  EXPECT_EQ(pfx("2001:db8::/120").last(), ip("2001:db8::ff"));
  EXPECT_EQ(pfx("::/0").last(), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(pfx("10.0.0.0/8").last().is_v4());
}

TEST(Prefix, Contains) {
  auto p = pfx("10.1.0.5/16");
  EXPECT_TRUE(p.contains(ip("10.1.0.0")));
  EXPECT_TRUE(p.contains(ip("10.1.0.5")));
  EXPECT_TRUE(p.contains(ip("10.1.255.255")));
  EXPECT_FALSE(p.contains(ip("10.2.0.0")));
  EXPECT_FALSE(p.contains(ip("10.0.255.255")));
  EXPECT_FALSE(p.contains(ip("::ffff:10.1.0.1")));  // other family
  EXPECT_TRUE(pfx("0.0.0.0/0").contains(ip("255.1.2.3")));
  EXPECT_FALSE(pfx("0.0.0.0/0").contains(ip("::")));
  EXPECT_TRUE(pfx("10.0.0.1/32").contains(ip("10.0.0.1")));
  EXPECT_FALSE(pfx("10.0.0.1/32").contains(ip("10.0.0.2")));

  auto p6 = pfx("2001:db8::/32");
  EXPECT_TRUE(p6.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(p6.contains(ip("2001:db9::")));
  EXPECT_FALSE(p6.contains(ip("32.1.13.184")));
  EXPECT_TRUE(pfx("::/0").contains(ip("fe80::1")));
}

TEST(Prefix, Overlaps) {
  EXPECT_TRUE(pfx("10.0.0.0/8").overlaps(pfx("10.1.0.0/16")));
  EXPECT_TRUE(pfx("10.1.0.0/16").overlaps(pfx("10.0.0.0/8")));
  EXPECT_TRUE(pfx("10.1.2.3/16").overlaps(pfx("10.1.200.7/24")));  // host bits ignored
  EXPECT_TRUE(pfx("10.0.0.0/8").overlaps(pfx("10.0.0.0/8")));
  EXPECT_FALSE(pfx("10.0.0.0/16").overlaps(pfx("10.1.0.0/16")));
  EXPECT_FALSE(pfx("10.0.0.0/25").overlaps(pfx("10.0.0.128/25")));
  EXPECT_TRUE(pfx("0.0.0.0/0").overlaps(pfx("192.168.0.0/24")));
  EXPECT_FALSE(pfx("0.0.0.0/0").overlaps(pfx("::/0")));
  EXPECT_TRUE(pfx("2001:db8::/32").overlaps(pfx("2001:db8:1::/48")));
  EXPECT_FALSE(pfx("2001:db8::/48").overlaps(pfx("2001:db8:1::/48")));
}

TEST(Prefix, OrderingAndEquality) {
  EXPECT_EQ(pfx("10.0.0.0/8"), pfx("10.0.0.0/08"));
  EXPECT_NE(pfx("10.0.0.0/8"), pfx("10.0.0.0/16"));
  EXPECT_NE(pfx("10.0.0.1/8"), pfx("10.0.0.0/8"));  // the host bits are part of the value
  EXPECT_LT(pfx("10.0.0.0/8"), pfx("10.0.0.0/16"));
  EXPECT_LT(pfx("10.0.0.0/16"), pfx("10.0.0.1/8"));
  EXPECT_LT(pfx("255.0.0.0/8"), pfx("::/0"));
}

}  // namespace
}  // namespace cni::net

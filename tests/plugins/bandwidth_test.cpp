#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "config.hpp"
#include "shaping.hpp"
#include "support/errors.hpp"

namespace cni::bandwidth {
namespace {

using nlohmann::json;
using test::error_of;
constexpr double kTicks = 15.625;  // every kernel since 2.6.x: /proc/net/psched 3e8 40 f4240 ...

Request request(const json& conf) {
  Request r;
  r.conf.raw = conf;
  r.conf.runtime_config = conf.contains("runtimeConfig") ? conf["runtimeConfig"] : json();
  return r;
}

json base(const json& extra = json::object()) {
  json c = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "bandwidth"}};
  c.update(extra);
  return c;
}

void expect_error(const json& conf, Code code, const std::string& msg_start) {
  const Error e = error_of([&] { parse_config(request(conf)); });
  EXPECT_EQ(e.code(), code) << conf.dump() << ": " << e.msg();
  EXPECT_EQ(e.msg().rfind(msg_start, 0), 0U) << conf.dump() << ": " << e.msg();
}

TEST(BandwidthConfig, NoKeysShapesNothing) {
  EXPECT_FALSE(parse_config(request(base())).shapes());
  EXPECT_FALSE(parse_config(request(base({{"ingressRate", 0}, {"ingressBurst", 0}}))).shapes());
  EXPECT_FALSE(parse_config(request(base({{"runtimeConfig", {{"bandwidth", nullptr}}}}))).shapes());
}

TEST(BandwidthConfig, TopLevel) {
  const Config c = parse_config(request(base({{"ingressRate", 8000000},
                                              {"ingressBurst", 160000},
                                              {"egressRate", 4000000},
                                              {"egressBurst", 80000}})));
  ASSERT_TRUE(c.ingress && c.egress);
  EXPECT_EQ(c.ingress->rate, 8000000U);
  EXPECT_EQ(c.ingress->burst, 160000U);
  EXPECT_EQ(c.egress->rate, 4000000U);
  EXPECT_EQ(c.egress->burst, 80000U);
  EXPECT_EQ(c.where, "");
}

TEST(BandwidthConfig, Capability) {
  const Config c = parse_config(request(
      base({{"runtimeConfig",
             {{"bandwidth", {{"egressRate", 1000000}, {"egressBurst", 4294967295ULL}}}}}})));
  EXPECT_FALSE(c.ingress);
  ASSERT_TRUE(c.egress);
  EXPECT_EQ(c.egress->burst, 4294967295U);
  EXPECT_EQ(c.where, "runtimeConfig.bandwidth.");
}

TEST(BandwidthConfig, TopLevelWinsEvenWhenZero) {
  // As the reference: any top-level key makes the top level the whole entry.
  const json rc = {{"bandwidth", {{"ingressRate", 8000}, {"ingressBurst", 8000}}}};
  EXPECT_FALSE(parse_config(request(base({{"ingressRate", 0}, {"runtimeConfig", rc}}))).shapes());
  const Config c =
      parse_config(request(base({{"egressRate", 16}, {"egressBurst", 16}, {"runtimeConfig", rc}})));
  EXPECT_FALSE(c.ingress);
  ASSERT_TRUE(c.egress);
  EXPECT_EQ(c.egress->rate, 16U);
}

TEST(BandwidthConfig, BadInputNamesTheKey) {
  const auto ing = [](const json& r, const json& b) {
    return base({{"ingressRate", r}, {"ingressBurst", b}});
  };
  const auto eg = [](const json& r, const json& b) {
    return base({{"egressRate", r}, {"egressBurst", b}});
  };
  expect_error(ing(1000, 0), Code::InvalidConfig, "ingressBurst: must be set");
  expect_error(ing(0, 1000), Code::InvalidConfig, "ingressRate: must be set");
  expect_error(base({{"ingressRate", 1000}}), Code::InvalidConfig, "ingressBurst: must be set");
  expect_error(eg(1000, nullptr), Code::InvalidConfig, "egressBurst: must be set");
  expect_error(eg(nullptr, 1000), Code::InvalidConfig, "egressRate: must be set");
  expect_error(eg(7, 1000), Code::InvalidConfig, "egressRate: 7 is below 8");
  expect_error(eg(1000, 7), Code::InvalidConfig, "egressBurst: 7 is below 8");
  // burst/8 >= 2^32 - 1 (the reference's "burst cannot be more than 4GB").
  expect_error(ing(1000, 34359738360ULL), Code::InvalidConfig, "ingressBurst: 34359738360 bits");
  EXPECT_TRUE(parse_config(request(ing(1000, 34359738359ULL))).ingress);
  expect_error(ing(-1, 1000), Code::InvalidConfig, "ingressRate: -1 is not a whole number");
  expect_error(ing(1000, 1.5), Code::InvalidConfig, "ingressBurst: 1.5 is not a whole number");
  expect_error(ing(1e30, 1000), Code::InvalidConfig, "ingressRate: ");
  expect_error(ing("1000", 1000), Code::DecodingFailure, "ingressRate: must be a number");
  expect_error(eg(1000, true), Code::DecodingFailure, "egressBurst: must be a number");
  expect_error(base({{"runtimeConfig", {{"bandwidth", 5}}}}), Code::DecodingFailure,
               "runtimeConfig.bandwidth: must be an object");
  expect_error(base({{"runtimeConfig", {{"bandwidth", {{"ingressRate", 100}}}}}}),
               Code::InvalidConfig, "runtimeConfig.bandwidth.ingressBurst: must be set");
  expect_error(base({{"runtimeConfig", {{"bandwidth", {{"egressBurst", "x"}}}}}}),
               Code::DecodingFailure, "runtimeConfig.bandwidth.egressBurst: must be a number");
}

TEST(BandwidthShaping, TicksPerUsecFromPsched) {
  EXPECT_EQ(ticks_per_usec("000003e8 00000040 000f4240 3b9aca00\n"), 15.625);
  // The reference's compatibility rule for a clock resolution of 1 GHz.
  EXPECT_EQ(ticks_per_usec("000003e8 00000040 3b9aca00 3b9aca00"), 1000.0);
  EXPECT_FALSE(ticks_per_usec(""));
  EXPECT_FALSE(ticks_per_usec("1 0 1 1"));
  EXPECT_FALSE(ticks_per_usec("zz"));
}

nl::TbfParams tbf(std::uint64_t rate, std::uint64_t burst) {
  return tbf_params({.rate = rate, .burst = burst}, kTicks, "b");
}

TEST(BandwidthShaping, TbfAsTheReference) {
  // The reference's `tc -j qdisc show` for these: rate 1000000, burst 20000, lat 25000.
  EXPECT_EQ(tbf(8000000, 160000), (nl::TbfParams{1000000, 312500, 45000}));
  EXPECT_EQ(tbf(4000000, 80000), (nl::TbfParams{500000, 312500, 22500}));
  // Truncations: rate and burst to whole bytes, microseconds and ticks to uint32.
  // 1543 B at 125000 B/s = 12344 us = 192875 ticks; limit 3125 + 1543.
  EXPECT_EQ(tbf(1000001, 12345), (nl::TbfParams{125000, 192875, 4668}));
  // 100 Gbit/s: a rate beyond 32 bits of bytes.
  EXPECT_EQ(tbf(100000000000ULL, 1000000000ULL),
            (nl::TbfParams{12500000000ULL, 156250, 437500000}));
}

TEST(BandwidthShaping, WrapsAsTheReference) {
  // containerd's CRI sends a burst of 2^32-1 bits whatever the annotations say. At 1 Mbit/s
  // the bucket is 4294967288 us = 67108863875 ticks, wrapped to 32 bits: the reference (and
  // tc) write 2684354435, which tc shows as "burst 21474835b".
  EXPECT_EQ(tbf(1000000, 4294967295ULL), (nl::TbfParams{125000, 2684354435U, 536874036}));
  // At 10 Mbit/s: 429496728 us, 6710886375 ticks -> 2415919079 (tc: "burst 193273526b").
  EXPECT_EQ(tbf(10000000, 4294967295ULL), (nl::TbfParams{1250000, 2415919079U, 536902161}));
  // Below 1 Mbit/s the microseconds wrap first: 536870911 B at 1 B/s.
  EXPECT_EQ(
      tbf(8, 4294967295ULL).buffer,
      static_cast<std::uint32_t>(
          static_cast<std::uint64_t>(static_cast<std::uint32_t>(536870911000000ULL)) * 125 / 8));
}

TEST(BandwidthShaping, BucketOfZeroTicksIsRefusedNamingTheKey) {
  // 1 byte at 1 GB/s: under a microsecond, 0 ticks (the kernel would answer EINVAL).
  const Error e = error_of([] {
    tbf_params({.rate = 8000000000ULL, .burst = 8}, kTicks, "runtimeConfig.bandwidth.egressBurst");
  });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_EQ(e.msg().rfind("runtimeConfig.bandwidth.egressBurst: 8 bits", 0), 0U) << e.msg();
}

TEST(BandwidthNames, IfbNameAsTheReference) {
  // bwnet + cid1: what the reference 1.1.1 created (bwp9aa1ffe1e8dd); podman + abc from
  // `printf %s podmanabc | sha512sum`.
  EXPECT_EQ(ifb_name("bwnet", "cid1"), "bwp9aa1ffe1e8dd");
  EXPECT_EQ(ifb_name("podman", "abc"), "bwp514f2d63f742");
  EXPECT_EQ(ifb_name("n", std::string(200, 'a')).size(), 15U);
}

TEST(BandwidthNames, OwnerAlias) {
  const Owner o{"net", "0123abc", "eth0"};
  const auto a = owner_alias(o);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, "cni-bandwidth net 0123abc eth0");
  EXPECT_EQ(parse_owner_alias(*a), o);
  EXPECT_FALSE(parse_owner_alias(""));
  EXPECT_FALSE(parse_owner_alias("cni-bandwidth net 0123abc"));
  EXPECT_FALSE(parse_owner_alias("cni-bandwidth net 0123abc eth0 more"));
  EXPECT_FALSE(parse_owner_alias("other net 0123abc eth0"));
  EXPECT_FALSE(owner_alias({"net", std::string(250, 'a'), "eth0"}));
}

}  // namespace
}  // namespace cni::bandwidth

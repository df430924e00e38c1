#include "allocator.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "fake_store.hpp"
#include "test_util.hpp"

namespace cni::ipam {
namespace {

using nlohmann::json;
using test::FakeStore;
using test::ip;

const Attachment kC1{"c1", "eth0"};
const Attachment kC2{"c2", "eth0"};

RangeSet set_of(const char* subnet, std::size_t index = 0) {
  return parse_range_set(json::array({{{"subnet", subnet}}}),
                         "ipam.ranges[" + std::to_string(index) + "]");
}

std::vector<std::string> addresses(const std::vector<IpConfig>& r) {
  std::vector<std::string> out;
  out.reserve(r.size());
  for (const auto& c : r)
    out.push_back(c.address.to_string());
  return out;
}

TEST(Allocator, FirstAddressAndResultShape) {
  FakeStore store;
  auto r = allocate({set_of("10.1.2.0/24")}, {}, store, kC1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].address.to_string(), "10.1.2.2/24");
  EXPECT_EQ(r[0].gateway->to_string(), "10.1.2.1");
  EXPECT_FALSE(r[0].interface.has_value());  // IPAM results carry no interface index
  EXPECT_EQ(store.held.at(ip("10.1.2.2")), Owner::pair(kC1));
  EXPECT_EQ(store.last.at(0).to_string(), "10.1.2.2");
}

TEST(Allocator, RoundRobinDoesNotReuseAJustReleasedAddress) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24")};
  EXPECT_EQ(addresses(allocate(sets, {}, store, kC1)), std::vector<std::string>{"10.1.2.2/24"});
  ErrorList errors;
  EXPECT_EQ(release_attachment(store, kC1, errors).size(), 1u);
  EXPECT_EQ(addresses(allocate(sets, {}, store, kC2)), std::vector<std::string>{"10.1.2.3/24"});
}

TEST(Allocator, WrapsAroundAndSkipsTakenAddresses) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.0.0.0/29")};  // .2 .. .6 usable
  store.last[0] = ip("10.0.0.5");
  store.held[ip("10.0.0.6")] = Owner::pair({"x", "eth0"});
  store.held[ip("10.0.0.2")] = Owner::pair({"y", "eth0"});
  EXPECT_EQ(addresses(allocate(sets, {}, store, kC1)), std::vector<std::string>{"10.0.0.3/29"});
  EXPECT_EQ(store.last.at(0).to_string(), "10.0.0.3");
}

TEST(Allocator, DualStackOneAddressPerSet) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24", 0), set_of("2001:db8:1::/64", 1)};
  auto r = allocate(sets, {}, store, kC1);
  EXPECT_EQ(addresses(r), (std::vector<std::string>{"10.1.2.2/24", "2001:db8:1::2/64"}));
  EXPECT_EQ(r[1].gateway->to_string(), "2001:db8:1::1");
  EXPECT_EQ(store.last.at(1).to_string(), "2001:db8:1::2");
  EXPECT_EQ(store.find_by_attachment(kC1).size(), 2u);
}

TEST(Allocator, RequestedAddresses) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24", 0), set_of("10.1.3.0/24", 1)};
  std::vector<RequestedIp> req{{ip("10.1.3.77"), "args.cni.ips[0]"}};
  EXPECT_EQ(addresses(allocate(sets, req, store, kC1)),
            (std::vector<std::string>{"10.1.2.2/24", "10.1.3.77/24"}));
  EXPECT_EQ(store.last.at(1).to_string(), "10.1.3.77");  // as the reference's Reserve

  // Taken by someone else: an error naming the address and the set; nothing left behind.
  std::vector<RequestedIp> taken{{ip("10.1.2.2"), "CNI_ARGS IP"}};
  EXPECT_CNI_ERROR(allocate(sets, taken, store, kC2), Code::Ipam,
                   "failed to allocate for range 0: requested IP address 10.1.2.2 is not "
                   "available in range set 10.1.2.1-10.1.2.254");
  EXPECT_TRUE(store.find_by_attachment(kC2).empty());

  std::vector<RequestedIp> outside{{ip("10.9.9.9"), "CNI_ARGS IP"}};
  EXPECT_CNI_ERROR(allocate(sets, outside, store, kC2), Code::InvalidConfig,
                   "failed to allocate all requested IPs: 10.9.9.9");
}

TEST(Allocator, DuplicateAllocationIsAnError) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24")};
  allocate(sets, {}, store, kC1);
  EXPECT_CNI_ERROR(allocate(sets, {}, store, kC1), Code::Ipam,
                   "failed to allocate for range 0: 10.1.2.2 has been allocated to c1, "
                   "duplicate allocation is not allowed");
  EXPECT_EQ(store.held.size(), 1u);
  // Another interface of the same container is another attachment.
  EXPECT_EQ(addresses(allocate(sets, {}, store, {"c1", "eth1"})),
            std::vector<std::string>{"10.1.2.3/24"});
}

TEST(Allocator, LegacyIdOnlyReservationCountsAsHeld) {
  FakeStore store;
  store.held[ip("10.1.2.40")] = Owner::legacy("c1");
  EXPECT_CNI_ERROR(allocate({set_of("10.1.2.0/24")}, {}, store, kC1), Code::Ipam,
                   "10.1.2.40 has been allocated to c1");
}

TEST(Allocator, ExhaustionNamesTheRangeSet) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.0.0.0/30")};  // one usable address: .2
  allocate(sets, {}, store, kC1);
  EXPECT_CNI_ERROR(allocate(sets, {}, store, kC2), Code::Exhausted,
                   "failed to allocate for range 0: no IP addresses available in range set: "
                   "10.0.0.1-10.0.0.2");
}

TEST(Allocator, AFailureInALaterSetReleasesTheEarlierOnes) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24", 0), set_of("10.0.0.0/30", 1)};
  store.held[ip("10.0.0.2")] = Owner::pair({"other", "eth0"});  // set 1 is full
  EXPECT_CNI_ERROR(allocate(sets, {}, store, kC1), Code::Exhausted,
                   "failed to allocate for range 1");
  EXPECT_TRUE(store.find_by_attachment(kC1).empty());
  EXPECT_EQ(store.held.size(), 1u);
}

TEST(Allocator, AStoreFailureReleasesEarlierSetsAndKeepsOlderReservations) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24", 0), set_of("2001:db8::/64", 1)};
  store.held[ip("10.9.0.1")] = Owner::pair(kC1);  // an older reservation outside the sets
  store.fail_reserve = [](const net::IpAddress& a) {
    if (!a.is_v4()) throw Error(Code::System, "disk full");
  };
  EXPECT_CNI_ERROR(allocate(sets, {}, store, kC1), Code::System,
                   "failed to allocate for range 1: disk full");
  EXPECT_EQ(store.find_by_attachment(kC1), std::vector<net::IpAddress>{ip("10.9.0.1")});
}

TEST(Allocator, ReleaseExactThenLegacyFallback) {
  FakeStore store;
  store.held[ip("10.1.2.2")] = Owner::pair(kC1);
  store.held[ip("10.1.2.3")] = Owner::pair({"c1", "eth1"});
  store.held[ip("10.1.2.4")] = Owner::legacy("c1");
  ErrorList errors;
  EXPECT_EQ(release_attachment(store, kC1, errors), std::vector<net::IpAddress>{ip("10.1.2.2")});
  EXPECT_TRUE(store.held.count(ip("10.1.2.3")));  // the other interface is untouched
  EXPECT_TRUE(store.held.count(ip("10.1.2.4")));  // exact matches found: no legacy fallback
  // Now c1/eth0 holds nothing exact: its container's legacy files go (the reference's rule).
  EXPECT_EQ(release_attachment(store, kC1, errors), std::vector<net::IpAddress>{ip("10.1.2.4")});
  EXPECT_TRUE(release_attachment(store, kC1, errors).empty());
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(store.held.size(), 1u);
}

TEST(Allocator, ManyAttachmentsGetDistinctAddressesUntilExhaustion) {
  FakeStore store;
  std::vector<RangeSet> sets{set_of("10.1.2.0/24")};
  std::set<std::string> seen;
  int exhausted = 0;
  for (int i = 0; i < 256; ++i) {
    try {
      auto r = allocate(sets, {}, store, {"c" + std::to_string(i), "eth0"});
      seen.insert(r[0].address.to_string());
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Code::Exhausted);
      ++exhausted;
    }
  }
  EXPECT_EQ(seen.size(), 253u);
  EXPECT_EQ(exhausted, 3);
  EXPECT_FALSE(seen.count("10.1.2.1/24"));
  EXPECT_FALSE(seen.count("10.1.2.0/24"));
  EXPECT_FALSE(seen.count("10.1.2.255/24"));
}

}  // namespace
}  // namespace cni::ipam

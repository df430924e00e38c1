#pragma once

#include <optional>
#include <string>
#include <vector>

#include "range.hpp"

namespace cni::ipam {

/// A range set: ranges of one address family from which one address is allocated per
/// attachment. Pure value; never empty once parsed.
struct RangeSet {
  std::vector<Range> ranges;
  std::string field;  // "ipam.ranges[1]", "ipam" (legacy keys), "runtimeConfig.ipRanges[0]"

  /// The set's address family (all its ranges share it).
  net::Family family() const noexcept { return ranges.front().subnet.family(); }

  /// The range holding `a` (see Range::contains), or nullptr.
  const Range* range_for(const net::IpAddress& a) const noexcept;
  /// Whether one of the ranges holds `a`.
  bool contains(const net::IpAddress& a) const noexcept { return range_for(a) != nullptr; }

  /// Whether any range of this set overlaps any range of `other`.
  bool overlaps(const RangeSet& other) const noexcept;

  /// How many addresses are still free: the ranges' sizes minus the reserved addresses that
  /// lie in them. `reserved` must be sorted and without duplicates.
  u128 free_count(const std::vector<net::IpAddress>& reserved) const;

  /// The ranges as "start-end", joined with "," (the reference's RangeSet.String).
  std::string to_string() const;
};

/// Parses and validates one range set (a JSON list of range objects). Throws cni::Error
/// naming `field`: an empty set, mixed address families, overlapping ranges, or any range
/// error (see parse_range).
RangeSet parse_range_set(const nlohmann::json& j, const std::string& field);

/// The reference's round-robin walk over a range set: starts just after `last_reserved` when
/// that address is in the set (else at the first range's start), goes up to each range's
/// end, on to the next range's start, wraps around, and stops when back where it began.
/// Skipped addresses (gateway, network, IPv4 broadcast) are never returned. Pure.
class RangeIter {
 public:
  struct Candidate {
    net::IpAddress ip;
    const Range* range;
  };

  RangeIter(const RangeSet& set, const std::optional<net::IpAddress>& last_reserved);

  /// The next candidate, or nullopt once every address has been offered.
  std::optional<Candidate> next();

 private:
  const RangeSet& set_;
  std::size_t index_ = 0;
  std::optional<net::IpAddress> cur_;
  std::optional<net::IpAddress> first_;
  bool done_ = false;
};

}  // namespace cni::ipam

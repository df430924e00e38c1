#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "net/ip.hpp"

namespace cni::ipam {

/// Unsigned 128-bit integer: the value of an address, and counts of addresses.
using u128 = unsigned __int128;

/// The address as an integer (IPv4 in the low 32 bits). Pure.
u128 to_u128(const net::IpAddress& a) noexcept;

/// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address, as Go's To4(); any other
/// address unchanged. The reference canonicalises every address it is given this way.
net::IpAddress canonical(const net::IpAddress& a) noexcept;

/// One range of a range set: `{subnet, rangeStart, rangeEnd, gateway}` with the reference's
/// defaults filled in (Range.Canonicalize): gateway = network+1, rangeStart = network+1,
/// rangeEnd = the last address (IPv4: broadcast-1). Pure value.
struct Range {
  net::Prefix subnet;  // the network address (host bits zero) and its length
  net::IpAddress start;
  net::IpAddress end;
  net::IpAddress gateway;
  std::string field;  // where it came from, for messages: "ipam.ranges[0][1]", "ipam"

  /// Whether `a` is an address of this range: same family, inside the subnet, between
  /// rangeStart and rangeEnd inclusive (the reference's Range.Contains).
  bool contains(const net::IpAddress& a) const noexcept;

  /// Whether `a` is never handed out: the gateway, the network address, or (IPv4) the
  /// broadcast address.
  bool is_skipped(const net::IpAddress& a) const noexcept;

  /// Whether the two ranges share an address (the reference's Range.Overlaps: either one's
  /// start or end lies in the other).
  bool overlaps(const Range& other) const noexcept;

  /// How many addresses this range hands out at most: its size minus the skipped addresses
  /// inside it. Saturates at the maximum of u128 for ::/0-sized ranges.
  u128 size() const noexcept;

  /// "rangeStart-rangeEnd", as the reference prints a range in its messages.
  std::string to_string() const;
};

/// Parses and validates one range object. `field` names it in error messages
/// ("ipam.ranges[0][1]"; for the legacy top-level keys "ipam"). Throws cni::Error:
/// DecodingFailure for a key of the wrong JSON type, InvalidConfig for a bad value (subnet
/// missing, unparsable, too small, with host bits set; rangeStart, rangeEnd or gateway outside
/// the subnet; rangeEnd before rangeStart), the message starting with the offending key.
Range parse_range(const nlohmann::json& j, const std::string& field);

}  // namespace cni::ipam

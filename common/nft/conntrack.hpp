#pragma once

// Conntrack entries over ctnetlink (NETLINK_NETFILTER, libmnl): what portmap needs to make a
// new UDP mapping effective at once. A UDP "connection" the kernel tracked before the DNAT rule
// existed (or towards a container that is gone) keeps its old translation for as long as
// packets keep coming; deleting it lets the next packet meet the current rules.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/ip.hpp"

namespace cni::nft {

/// Deletes every conntrack entry of `family` whose original direction is UDP to one of `ports`
/// (any address), in the calling thread's network namespace. Returns how many were deleted;
/// entries that vanished meanwhile do not count. Throws cni::Error(Firewall) when the
/// conntrack table cannot be read (e.g. nf_conntrack_netlink missing).
std::size_t delete_udp_conntrack(net::Family family, const std::vector<std::uint16_t>& ports);

}  // namespace cni::nft

#pragma once

// Announcing a container's new addresses to its neighbours, so a peer that still has the
// address cached with the MAC of the container that had it before (a restart with the same
// IP) switches to the new MAC at once instead of after its neighbour entry times out
// (seconds): one gratuitous ARP request per IPv4 address and one unsolicited neighbour
// advertisement (override flag) per IPv6 address. The kernel updates an existing entry on
// either, even within its locktime.

#include <vector>

#include "net/ip.hpp"

namespace cni::ipconfig {

/// Sends the announcements for `addresses` out of interface `ifindex` (MAC `mac`,
/// "aa:bb:cc:dd:ee:ff"), in the calling thread's network namespace (the caller enters the
/// container's). Best effort: an address the kernel will not send from (still tentative) is
/// skipped, and failures are logged, never thrown: the attachment works without them.
void announce_addresses(int ifindex, const std::string& mac,
                        const std::vector<net::IpAddress>& addresses);

}  // namespace cni::ipconfig

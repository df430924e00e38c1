#pragma once

// Announcing a container's addresses to its neighbours, so that a peer which still has an
// address cached with the MAC of the container that had it before (a restart with the same
// IP) switches to the new MAC at once instead of after its neighbour entry times out
// (seconds). The kernel does the sending: with net.ipv4.conf.<if>.arp_notify=1 and
// net.ipv6.conf.<if>.ndisc_notify=1, a hardware-address change notification (NETDEV_CHANGEADDR)
// makes it send a gratuitous ARP for each IPv4 address and an unsolicited neighbour
// advertisement (override flag) for each usable IPv6 address; a peer updates an existing entry
// on either. No packet socket is needed (closing one waits for an RCU grace period, ~10 ms).

#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::ipconfig {

/// Turns arp_notify and (when IPv6 is on) ndisc_notify on for `ifname`, in the calling
/// thread's namespace (the caller enters the container's).
void enable_announcements(const std::string& ifname);

/// Makes the kernel announce the addresses of `link` (in the socket's namespace) now, by
/// setting its MAC to the one it has. enable_announcements must have been called for it.
void announce_addresses(nl::Socket& sock, const nl::Link& link);

}  // namespace cni::ipconfig

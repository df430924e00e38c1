#pragma once

#include "cni/result.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::veth {

/// The host end of the pair: up, no router advertisements, each container address's gateway
/// as a /32 (/128) on it (so the container's ARP/NDP for its gateway is answered here) and a
/// host route to each container address through it. Acts in the namespace of `host` (the
/// caller's own).
void configure_host_side(nl::Socket& host, const nl::Link& host_veth, const Result& r);

/// Whether the host side is as configure_host_side left it (for CHECK); throws CheckFailed.
void check_host_side(nl::Socket& host, const nl::Link& host_veth, const Result& r);

}  // namespace cni::veth

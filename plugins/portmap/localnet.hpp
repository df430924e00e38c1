#pragma once

#include <optional>
#include <string>

#include "net/ip.hpp"
#include "sys/rollback.hpp"

namespace cni::portmap {

/// The name of the link the host's main routing table sends `addr` out of (longest matching
/// prefix with an output link), in the calling thread's namespace; nullopt when none.
std::optional<std::string> link_towards(const net::IpAddress& addr);

/// Sets net.ipv4.conf.<link>.route_localnet=1 on the link towards the IPv4 container address
/// `addr` (the bridge), so that 127.0.0.1:<hostPort> DNATed to the container may leave through
/// it; in the calling thread's namespace. Pushes the undo onto `undo` when it changed the
/// value. Does nothing when no link leads there.
void enable_route_localnet(const net::IpAddress& addr, sys::Rollback& undo);

}  // namespace cni::portmap

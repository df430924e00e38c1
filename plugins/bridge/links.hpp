#pragma once

#include "config.hpp"
#include "ipconfig/host_changes.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::bridge {

/// The bridge of `cfg`, in the socket's namespace: created if missing (MTU, VLAN filtering
/// when VLANs are asked for), up, promiscuous as configured, no router advertisements, and
/// its MAC pinned so that it stops following the lowest MAC of its ports as containers come
/// and go (a MAC change breaks the neighbours' caches of the gateway).
/// A bridge it creates is recorded in `changes` (given back if the ADD fails).
nl::Link setup_bridge(nl::Socket& host, const Config& cfg, ipconfig::HostChanges& changes);

/// The bridge port flags and VLANs of `cfg` on the host end `port`.
void configure_port(nl::Socket& host, const nl::Link& port, const Config& cfg);

/// With a VLAN and isGateway the gateway addresses go on "<bridge>.<vlan>", the container end
/// of a veth pair whose host end is an access port of that VLAN on the bridge, as the
/// reference does. Returns it, created and up if missing.
/// A pair it creates is recorded in `changes`.
nl::Link ensure_vlan_gateway(nl::Socket& host, const nl::Link& bridge, const Config& cfg,
                             ipconfig::HostChanges& changes);

}  // namespace cni::bridge

#pragma once

#include <optional>

#include "cni/error.hpp"
#include "cni/skel.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::bandwidth {

/// The host end of the veth whose other end is CNI_IFNAME in the container: found from the
/// container side (the container link's IFLA_LINK) and confirmed from the host side (a veth
/// whose peer is that ifindex in the container's namespace, by netns id: container interfaces
/// of different namespaces often share an ifindex). `host` acts in the plugin's namespace,
/// `cont` in the container's. nullopt when there is no such pair.
std::optional<nl::Link> find_host_veth(nl::Socket& host, nl::Socket& cont, const Request& req);

/// find_host_veth, which must succeed and name an interface of `prev` without a sandbox (as
/// the reference requires); else throws cni::Error(code) saying what is missing.
nl::Link require_host_veth(nl::Socket& host, nl::Socket& cont, const Request& req,
                           const Result& prev, Code code);

}  // namespace cni::bandwidth

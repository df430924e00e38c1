#pragma once

#include <vector>

#include "cni/result.hpp"
#include "config.hpp"
#include "ipconfig/host_changes.hpp"
#include "net/ip.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::bridge {

/// The gateway addresses the bridge (or its VLAN gateway interface) must hold: each the
/// gateway of a container address with that address's prefix length ("10.1.0.1/16").
struct GatewayPlan {
  std::vector<net::Prefix> v4;
  std::vector<net::Prefix> v6;
  bool empty() const { return v4.empty() && v6.empty(); }
};

/// The reference's calcGateways, applied to the IPAM result `r`: with isGateway, an address
/// without a gateway gets the first address of its subnet; with isDefaultGateway, a default
/// route via that gateway is added per family unless `r` already routes the default through a
/// gateway. Returns what the bridge must hold (empty unless isGateway).
GatewayPlan plan_gateways(Result& r, const Config& cfg);

/// Puts each planned address on `link` (in the socket's namespace) unless it is there, without
/// DAD. An IPv4 address of the bridge other than the planned one, or an IPv6 address whose
/// subnet overlaps, is an error ("cni0 already has an IP address different from 10.1.0.1/16")
/// unless forceAddress, which replaces it. Turns on forwarding for each family planned. What
/// it adds or switches on is recorded in `changes`.
void ensure_gateway_addresses(nl::Socket& sock, const nl::Link& link, const GatewayPlan& plan,
                              bool force_address, ipconfig::HostChanges& changes);

/// Whether every planned address is on `link` (for CHECK).
bool has_gateway_addresses(nl::Socket& sock, const nl::Link& link, const GatewayPlan& plan);

}  // namespace cni::bridge

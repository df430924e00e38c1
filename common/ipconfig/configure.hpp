#pragma once

#include <optional>
#include <vector>

#include "cni/result.hpp"
#include "cni/skel.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"

namespace cni::ipconfig {

struct Options {
  /// Run duplicate address detection on IPv6 addresses (the bridge's `enabledad`). Off by
  /// default: addresses are added with IFA_F_NODAD and the link's accept_dad is 0 (so its
  /// link-local address is usable at once too): ADD never waits for DAD.
  bool dad = false;
  /// Route everything through each address's gateway, as the reference ptp plugin does: no
  /// subnet route on the link (IFA_F_NOPREFIXROUTE); instead "<gw>/32 dev <link> scope link
  /// src <ip>" and "<subnet> via <gw> src <ip>", before the result's routes. Every address of
  /// the interface must then have a gateway.
  bool point_to_point = false;
};

/// The default gateway of each family among the result's addresses on interface `index`
/// (the first address of the family that has one), as the reference's ConfigureIface.
struct Gateways {
  std::optional<net::IpAddress> v4;
  std::optional<net::IpAddress> v6;
};
Gateways gateways_for(const Result& r, int index);

/// Applies `r` to `link` as the reference's ConfigureIface does: adds every address of `r`
/// whose `interface` is `index` (nothing is added for other interfaces), brings the link up,
/// then adds every route of `r` through the link, via the route's gateway or else the
/// default gateway of its family (a link route when there is none). Acts in the namespace of
/// `sock`; the caller must be inside that namespace (netns::Enter) for the IPv6 sysctls.
/// Throws cni::Error naming the address or route; what was added stays (the caller's rollback
/// deletes the link).
void configure_interface(nl::Socket& sock, const nl::Link& link, const Result& r, int index,
                         const Options& opts = {});

/// Throws cni::Error(InvalidEnvironment) naming CNI_IFNAME when an interface of that name
/// already exists in the container (the socket's namespace): ADD must not take it over.
void require_free_ifname(nl::Socket& cont, const Request& req);

/// Whether `r` has an address of `family` (forwarding is turned on for each such family).
bool has_address_of(const Result& r, net::Family family);

/// The gateway routes of point-to-point mode for the addresses of interface `index`.
std::vector<nl::RouteSpec> point_to_point_routes(const Result& r, int index, int ifindex);

/// The routes `configure_interface` adds for `r`, in order (for CHECK and tests).
std::vector<nl::RouteSpec> routes_for(const Result& r, int index, int ifindex);

}  // namespace cni::ipconfig

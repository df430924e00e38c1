#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

/// A route with at most one next hop. As a request, unset fields take the defaults of Go's
/// netlink package (what the reference plugins send); as a listing, the fields the kernel
/// reported are set.
struct RouteSpec {
  net::Prefix dst;                    // 0.0.0.0/0 or ::/0 for a default route
  std::optional<net::IpAddress> gw;   // next-hop gateway (same family as dst)
  int ifindex = 0;                    // output link; 0: none (the kernel picks one from gw)
  std::optional<int> table;           // default: main (RT_TABLE_MAIN)
  std::optional<int> scope;           // RT_SCOPE_*; add: universe; delete: any
  std::optional<int> priority;        // metric; add: kernel default; delete: any
  std::optional<int> mtu;             // RTAX_MTU
  std::optional<int> advmss;          // RTAX_ADVMSS
  std::optional<net::IpAddress> src;  // preferred source (RTA_PREFSRC)
  std::optional<int> protocol;        // RTPROT_*; add: boot (as Go's netlink); delete: any
  std::optional<int> type;            // RTN_*; add: unicast; delete: any
  bool onlink = false;                // RTNH_F_ONLINK: gw is on the link even if no subnet says so
};

/// "10.0.0.0/24 via 10.0.0.1 dev <ifindex>" (no lookups), for messages.
std::string describe_route(const RouteSpec& r);

/// Adds the route in the socket's namespace (NLM_F_CREATE|NLM_F_EXCL). Returns false,
/// changing nothing, when the kernel already has a route with that key (EEXIST); throws
/// cni::Error on any other failure ("add route 10.0.0.0/24 via 10.0.0.1 dev eth0: ...").
[[nodiscard]] bool add_route(Socket& sock, const RouteSpec& r);
/// Adds the route, or replaces the one with the same key (NLM_F_CREATE|NLM_F_REPLACE).
void replace_route(Socket& sock, const RouteSpec& r);
/// Deletes the first route matching every field that is set (unset scope, protocol, type and
/// priority match anything). False when there was none.
bool delete_route(Socket& sock, const RouteSpec& r);
/// Routes of one family in the socket's namespace, of one table if given (else every table,
/// including local), in kernel order. Multipath routes are reported with their first next hop.
std::vector<RouteSpec> list_routes(Socket& sock, net::Family family,
                                   std::optional<int> table = std::nullopt);

}  // namespace cni::nl

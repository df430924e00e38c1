#pragma once

#include <optional>
#include <vector>

#include "net/ip.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

/// A unicast route with at most one next hop.
struct RouteSpec {
  net::Prefix dst;  // 0.0.0.0/0 or ::/0 for a default route
  std::optional<net::IpAddress> gw;
  int ifindex = 0;                    // output link (0: let the kernel pick from gw)
  std::optional<net::IpAddress> src;  // preferred source
  std::optional<int> table;           // default: main
  std::optional<int> scope;           // default: link without gw, universe with gw
  std::optional<int> priority;        // metric
  std::optional<int> mtu;
  std::optional<int> advmss;
};

/// Adds the route; false when an identical route key already exists (NLM_F_EXCL).
bool add_route(Socket& sock, const RouteSpec& r);
/// Adds or replaces the route with that key.
void replace_route(Socket& sock, const RouteSpec& r);
/// Deletes the route; false when there was none.
bool delete_route(Socket& sock, const RouteSpec& r);
/// Unicast routes of one family (and one table if given) in the socket's namespace.
std::vector<RouteSpec> list_routes(Socket& sock, net::Family family,
                                   std::optional<int> table = std::nullopt);

}  // namespace cni::nl

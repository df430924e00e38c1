#include "host_side.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/route.hpp"
#include "sys/sysctl.hpp"

namespace cni::veth {

namespace {
net::Prefix host_prefix(const net::IpAddress& a) {
  return net::Prefix(a, a.bit_length());
}

nl::RouteSpec route_to(const IpConfig& ip, const nl::Link& host_veth) {
  return {.dst = host_prefix(ip.address.address()),
          .ifindex = host_veth.index(),
          .scope = RT_SCOPE_HOST};  // as the reference ptp installs it
}
}  // namespace

void configure_host_side(nl::Socket& host, const nl::Link& host_veth, const Result& r) {
  // No router advertisements, and no DAD for the link-local address: neighbour solicitations
  // for the containers' addresses go out from it as soon as the link is up.
  const std::string v6 = "net/ipv6/conf/" + host_veth.name();
  if (sys::read_sysctl(v6 + "/accept_ra")) {
    sys::write_sysctl(v6 + "/accept_ra", "0");
    sys::write_sysctl(v6 + "/accept_dad", "0");
  }
  nl::set_up(host, host_veth);
  for (const auto& ip : r.ips) {
    if (!ip.gateway) continue;  // ipconfig already refused addresses without a gateway
    (void)nl::add_address(host, host_veth, host_prefix(*ip.gateway), {.nodad = true});
    (void)nl::add_route(host, route_to(ip, host_veth));
  }
}

void check_host_side(nl::Socket& host, const nl::Link& host_veth, const Result& r) {
  auto addrs = nl::list_addresses(host, host_veth.index());
  for (const auto& ip : r.ips) {
    if (!ip.gateway) continue;
    auto want = host_prefix(*ip.gateway);
    if (std::none_of(addrs.begin(), addrs.end(), [&](const auto& a) { return a.prefix == want; })) {
      throw Error(Code::CheckFailed,
                  "host veth " + host_veth.name() + " lacks gateway address " + want.to_string());
    }
    auto routes = nl::list_routes(host, ip.address.family(), RT_TABLE_MAIN);
    auto dst = host_prefix(ip.address.address());
    if (std::none_of(routes.begin(), routes.end(), [&](const auto& rt) {
          return rt.dst == dst && rt.ifindex == host_veth.index();
        })) {
      throw Error(Code::CheckFailed,
                  "no host route to " + dst.to_string() + " via " + host_veth.name());
    }
  }
}

}  // namespace cni::veth

#include "ipconfig/configure.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/route.hpp"
#include "sys/fault.hpp"
#include "sys/sysctl.hpp"

namespace cni::ipconfig {

namespace {
bool on_interface(const IpConfig& ip, int index) {
  return ip.interface && *ip.interface == index;
}

// An IPv6 address needs IPv6 on (the namespace may have it off), and should survive the link
// going down, as the reference does since v1.7.0.
void enable_ipv6(const nl::Link& link) {
  sys::write_sysctl("net/ipv6/conf/lo/disable_ipv6", "0");
  sys::write_sysctl("net/ipv6/conf/" + link.name() + "/disable_ipv6", "0");
  sys::write_sysctl("net/ipv6/conf/" + link.name() + "/keep_addr_on_down", "1");
}
// Without DAD on the link-local address too: the kernel sends no neighbour solicitation from a
// link while its only link-local address is tentative, so the first packets would be lost.
void skip_dad(const nl::Link& link) {
  const std::string key = "net/ipv6/conf/" + link.name() + "/accept_dad";
  if (sys::read_sysctl(key)) sys::write_sysctl(key, "0");  // absent: IPv6 is off
}
}  // namespace

void require_free_ifname(nl::Socket& cont, const Request& req) {
  if (nl::find_link(cont, req.ifname)) {
    throw Error(Code::InvalidEnvironment,
                "CNI_IFNAME: interface \"" + req.ifname + "\" already exists in " + req.netns_path);
  }
}

bool has_address_of(const Result& r, net::Family family) {
  return std::any_of(r.ips.begin(), r.ips.end(),
                     [&](const IpConfig& ip) { return ip.address.family() == family; });
}

Gateways gateways_for(const Result& r, int index) {
  Gateways g;
  for (const auto& ip : r.ips) {
    if (!on_interface(ip, index) || !ip.gateway) continue;
    auto& slot = ip.gateway->is_v4() ? g.v4 : g.v6;
    if (!slot) slot = ip.gateway;
  }
  return g;
}

std::vector<nl::RouteSpec> routes_for(const Result& r, int index, int ifindex) {
  auto gws = gateways_for(r, index);
  std::vector<nl::RouteSpec> out;
  for (const auto& route : r.routes) {
    nl::RouteSpec s;
    s.dst = route.dst.network();
    s.ifindex = ifindex;
    s.gw = route.gw ? route.gw : (route.dst.family() == net::Family::V4 ? gws.v4 : gws.v6);
    if (route.priority) s.priority = route.priority;
    if (route.mtu) s.mtu = route.mtu;
    if (route.advmss) s.advmss = route.advmss;
    s.table = route.table;
    s.scope = route.scope;
    out.push_back(s);
  }
  return out;
}

std::vector<nl::RouteSpec> point_to_point_routes(const Result& r, int index, int ifindex) {
  std::vector<nl::RouteSpec> out;
  for (const auto& ip : r.ips) {
    if (!on_interface(ip, index)) continue;
    if (!ip.gateway) {
      throw Error(Code::Ipam, "IPAM result: address " + ip.address.to_string() +
                                  " has no gateway; a point-to-point link routes through it");
    }
    const auto& addr = ip.address.address();
    out.push_back({.dst = net::Prefix(*ip.gateway, ip.gateway->bit_length()),
                   .ifindex = ifindex,
                   .scope = RT_SCOPE_LINK,
                   .src = addr});
    // When the gateway is the subnet itself (a /32 address), the link route is all there is.
    if (ip.address.length() < addr.bit_length()) {
      out.push_back(
          {.dst = ip.address.network(), .gw = ip.gateway, .ifindex = ifindex, .src = addr});
    }
  }
  return out;
}

void configure_interface(nl::Socket& sock, const nl::Link& link, const Result& r, int index,
                         const Options& opts) {
  bool v6 = std::any_of(r.ips.begin(), r.ips.end(), [&](const IpConfig& ip) {
    return on_interface(ip, index) && !ip.address.address().is_v4();
  });
  if (v6) enable_ipv6(link);
  if (!opts.dad) skip_dad(link);
  for (const auto& ip : r.ips) {
    if (!on_interface(ip, index)) continue;
    (void)nl::add_address(sock, link, ip.address,
                          {.nodad = !opts.dad, .noprefixroute = opts.point_to_point});
  }
  fault::point("ipconfig.after_addresses");
  nl::set_up(sock, link);
  if (opts.point_to_point) {
    for (const auto& route : point_to_point_routes(r, index, link.index())) {
      (void)nl::add_route(sock, route);
    }
  }
  for (const auto& route : routes_for(r, index, link.index())) {
    // A route the kernel already has (e.g. the subnet route of an address) is fine.
    (void)nl::add_route(sock, route);
  }
  fault::point("ipconfig.after_routes");
}

}  // namespace cni::ipconfig

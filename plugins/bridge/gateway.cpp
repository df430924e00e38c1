#include "gateway.hpp"

#include <algorithm>

#include "cni/error.hpp"
#include "netlink/addr.hpp"

namespace cni::bridge {

namespace {

bool routes_default_via_gateway(const Result& r, net::Family family) {
  return std::any_of(r.routes.begin(), r.routes.end(), [&](const Route& route) {
    return route.gw && route.dst.family() == family && route.dst.length() == 0;
  });
}

net::Prefix default_route(net::Family family) {
  return *net::Prefix::parse(family == net::Family::V4 ? "0.0.0.0/0" : "::/0");
}

bool is_link_local(const net::IpAddress& a) {
  return !a.is_v4() && a.bytes()[0] == 0xfe && (a.bytes()[1] & 0xc0) == 0x80;  // fe80::/10
}

bool overlaps(const net::Prefix& a, const net::Prefix& b) {
  return a.contains(b.address()) || b.contains(a.address());
}

}  // namespace

GatewayPlan plan_gateways(Result& r, const Config& cfg) {
  GatewayPlan plan;
  bool default_v4 = false, default_v6 = false;
  for (auto& ip : r.ips) {
    const net::Family family = ip.address.family();
    if (!ip.gateway && cfg.is_gateway) ip.gateway = ip.address.network().address().next();
    bool& has_default = family == net::Family::V4 ? default_v4 : default_v6;
    if (cfg.is_default_gateway && !has_default && ip.gateway) {
      if (!routes_default_via_gateway(r, family)) {
        r.routes.push_back({.dst = default_route(family), .gw = ip.gateway});
      }
      has_default = true;
    }
    if (cfg.is_gateway && ip.gateway) {
      auto& list = family == net::Family::V4 ? plan.v4 : plan.v6;
      net::Prefix gw(*ip.gateway, ip.address.length());
      if (std::find(list.begin(), list.end(), gw) == list.end()) list.push_back(gw);
    }
  }
  return plan;
}

void ensure_gateway_addresses(nl::Socket& sock, const nl::Link& link, const GatewayPlan& plan,
                              bool force_address, ipconfig::HostChanges& changes) {
  for (const auto* list : {&plan.v4, &plan.v6}) {
    for (const auto& gw : *list) {
      const bool v4 = gw.family() == net::Family::V4;
      if (!v4) {
        // The bridge may have IPv6 off (a fresh namespace has it on, some hosts do not).
        changes.write_sysctl("net/ipv6/conf/" + link.name() + "/disable_ipv6", "0");
      }
      auto addrs = nl::list_addresses(sock, link.index(), gw.family());
      bool present = false;
      for (const auto& a : addrs) {
        if (a.prefix == gw) {
          present = true;
          continue;
        }
        if (!v4 && (is_link_local(a.prefix.address()) || !overlaps(a.prefix, gw))) continue;
        if (!force_address) {
          throw Error(Code::InvalidConfig, "\"" + link.name() +
                                               "\" already has an IP address different from " +
                                               gw.to_string() + " (" + a.prefix.to_string() +
                                               "; set forceAddress to replace it)");
        }
        nl::delete_address(sock, link, a.prefix);
      }
      if (!present && nl::add_address(sock, link, gw, {.nodad = true})) {
        changes.added_address(link.index(), gw);
      }
    }
    if (!list->empty()) changes.enable_forwarding(list == &plan.v4, list == &plan.v6);
  }
}

bool has_gateway_addresses(nl::Socket& sock, const nl::Link& link, const GatewayPlan& plan) {
  auto addrs = nl::list_addresses(sock, link.index());
  for (const auto* list : {&plan.v4, &plan.v6}) {
    for (const auto& gw : *list) {
      if (std::none_of(addrs.begin(), addrs.end(), [&](const auto& a) { return a.prefix == gw; }))
        return false;
    }
  }
  return true;
}

}  // namespace cni::bridge

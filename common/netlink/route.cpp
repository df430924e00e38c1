#include "netlink/route.hpp"

#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/route/nexthop.h>

#include "cni/error.hpp"
#include "netlink/convert.hpp"
#include "netlink/error.hpp"

namespace cni::nl {

namespace {
std::string describe(const RouteSpec& r) {
  std::string s = r.dst.to_string();
  if (r.gw) s += " via " + r.gw->to_string();
  if (r.ifindex) s += " dev#" + std::to_string(r.ifindex);
  return s;
}

RoutePtr build(const RouteSpec& r) {
  RoutePtr route(rtnl_route_alloc());
  if (!route) throw Error(Code::Netlink, "allocate route: out of memory");
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(to_af(r.dst.family())));
  auto dst = to_nl_addr(r.dst.network());
  check_nl(rtnl_route_set_dst(route.get(), dst.get()), "set route destination", describe(r));
  rtnl_route_set_table(route.get(), static_cast<uint32_t>(r.table.value_or(RT_TABLE_MAIN)));
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  if (r.scope) rtnl_route_set_scope(route.get(), static_cast<uint8_t>(*r.scope));
  if (r.priority) rtnl_route_set_priority(route.get(), static_cast<uint32_t>(*r.priority));
  if (r.mtu) rtnl_route_set_metric(route.get(), RTAX_MTU, static_cast<unsigned>(*r.mtu));
  if (r.advmss) rtnl_route_set_metric(route.get(), RTAX_ADVMSS, static_cast<unsigned>(*r.advmss));
  if (r.src) {
    auto src = to_nl_addr(*r.src, r.src->bit_length());
    check_nl(rtnl_route_set_pref_src(route.get(), src.get()), "set route source", describe(r));
  }
  if (r.gw || r.ifindex) {
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) throw Error(Code::Netlink, "allocate next hop: out of memory");
    if (r.ifindex) rtnl_route_nh_set_ifindex(nh, r.ifindex);
    if (r.gw) {
      auto gw = to_nl_addr(*r.gw, r.gw->bit_length());
      rtnl_route_nh_set_gateway(nh, gw.get());  // takes its own reference
    }
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh from here
  }
  return route;
}
}  // namespace

bool add_route(Socket& sock, const RouteSpec& r) {
  auto route = build(r);
  int rc = rtnl_route_add(sock.get(), route.get(), NLM_F_EXCL);
  if (rc == -NLE_EXIST) return false;
  check_nl(rc, "add route", describe(r));
  return true;
}

void replace_route(Socket& sock, const RouteSpec& r) {
  auto route = build(r);
  check_nl(rtnl_route_add(sock.get(), route.get(), NLM_F_REPLACE), "replace route", describe(r));
}

bool delete_route(Socket& sock, const RouteSpec& r) {
  auto route = build(r);
  int rc = rtnl_route_delete(sock.get(), route.get(), 0);
  if (rc == -NLE_OBJ_NOTFOUND) return false;
  check_nl(rc, "delete route", describe(r));
  return true;
}

std::vector<RouteSpec> list_routes(Socket& sock, net::Family family, std::optional<int> table) {
  nl_cache* raw = nullptr;
  int rc;
  for (int attempt = 0;; ++attempt) {
    rc = rtnl_route_alloc_cache(sock.get(), to_af(family), 0, &raw);
    if (rc != -NLE_DUMP_INTR || attempt >= 5) break;
  }
  check_nl(rc, "list routes", "");
  CachePtr cache(raw);
  std::vector<RouteSpec> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_type(route) != RTN_UNICAST) continue;
    int tbl = static_cast<int>(rtnl_route_get_table(route));
    if (table && tbl != *table) continue;
    RouteSpec s;
    nl_addr* dst = rtnl_route_get_dst(route);
    auto dst_ip = from_nl_addr(dst);
    // A default route may come back with an empty destination.
    s.dst = dst_ip ? net::Prefix(*dst_ip, static_cast<int>(nl_addr_get_prefixlen(dst)))
                   : *net::Prefix::parse(family == net::Family::V4 ? "0.0.0.0/0" : "::/0");
    s.table = tbl;
    s.scope = rtnl_route_get_scope(route);
    s.priority = static_cast<int>(rtnl_route_get_priority(route));
    if (rtnl_route_get_nnexthops(route) > 0) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(route, 0);
      s.ifindex = rtnl_route_nh_get_ifindex(nh);
      if (auto gw = from_nl_addr(rtnl_route_nh_get_gateway(nh))) s.gw = gw;
    }
    if (auto src = from_nl_addr(rtnl_route_get_pref_src(route))) s.src = src;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cni::nl

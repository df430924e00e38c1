#include "netlink/route.hpp"

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/route/nexthop.h>

#include <cstdint>

#include "cni/error.hpp"
#include "netlink/convert.hpp"
#include "netlink/link.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

namespace {

constexpr int kDumpAttempts = 5;

enum class Op { Add, Delete };

// The message Go's netlink routeHandle builds; deletion leaves unset selectors at "any".
MsgPtr build(int type, int flags, Op op, const RouteSpec& r) {
  const bool add = op == Op::Add;
  const int table = r.table.value_or(RT_TABLE_MAIN);
  rtmsg hdr{};
  hdr.rtm_family = static_cast<std::uint8_t>(to_af(r.dst.family()));
  hdr.rtm_dst_len = static_cast<std::uint8_t>(r.dst.length());
  hdr.rtm_table =
      static_cast<std::uint8_t>(table < 256 ? table : static_cast<int>(RT_TABLE_UNSPEC));
  hdr.rtm_protocol = static_cast<std::uint8_t>(r.protocol.value_or(add ? RTPROT_BOOT : 0));
  hdr.rtm_scope = static_cast<std::uint8_t>(
      r.scope.value_or(add ? int{RT_SCOPE_UNIVERSE} : int{RT_SCOPE_NOWHERE}));
  hdr.rtm_type =
      static_cast<std::uint8_t>(r.type.value_or(add ? int{RTN_UNICAST} : int{RTN_UNSPEC}));
  hdr.rtm_flags = r.onlink ? RTNH_F_ONLINK : 0;

  auto msg = new_request(type, flags, &hdr, sizeof hdr);
  put_u32(msg.get(), RTA_TABLE, static_cast<std::uint32_t>(table));
  put_addr(msg.get(), RTA_DST, r.dst.address());
  if (r.gw) put_addr(msg.get(), RTA_GATEWAY, *r.gw);
  if (r.ifindex > 0) put_u32(msg.get(), RTA_OIF, static_cast<std::uint32_t>(r.ifindex));
  if (r.priority) put_u32(msg.get(), RTA_PRIORITY, static_cast<std::uint32_t>(*r.priority));
  if (r.src) put_addr(msg.get(), RTA_PREFSRC, *r.src);
  if (r.mtu || r.advmss) {
    nlattr* metrics = nla_nest_start(msg.get(), RTA_METRICS);
    if (!metrics) throw Error(Code::Netlink, "build netlink request: out of memory");
    if (r.mtu) put_u32(msg.get(), RTAX_MTU, static_cast<std::uint32_t>(*r.mtu));
    if (r.advmss) put_u32(msg.get(), RTAX_ADVMSS, static_cast<std::uint32_t>(*r.advmss));
    nla_nest_end(msg.get(), metrics);
  }
  return msg;
}

[[noreturn]] void fail_route(Socket& sock, int rc, std::string_view op, const RouteSpec& r) {
  const KernelError kernel = sock.kernel_error();  // describe_link may send another request
  std::string what = r.dst.to_string();
  if (r.gw) what += " via " + r.gw->to_string();
  if (r.ifindex > 0) what += " dev " + describe_link(sock, r.ifindex);
  throw nl_error(rc, op, what, kernel);
}

}  // namespace

std::string describe_route(const RouteSpec& r) {
  std::string s = r.dst.to_string();
  if (r.gw) s += " via " + r.gw->to_string();
  if (r.ifindex > 0) s += " dev " + std::to_string(r.ifindex);
  return s;
}

bool add_route(Socket& sock, const RouteSpec& r) {
  const int rc = send(sock, build(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, Op::Add, r));
  if (rc == -NLE_EXIST) return false;
  if (rc < 0) fail_route(sock, rc, "add route", r);
  return true;
}

void replace_route(Socket& sock, const RouteSpec& r) {
  const int rc = send(sock, build(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, Op::Add, r));
  if (rc < 0) fail_route(sock, rc, "replace route", r);
}

bool delete_route(Socket& sock, const RouteSpec& r) {
  const int rc = send(sock, build(RTM_DELROUTE, 0, Op::Delete, r));
  if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) return false;  // ESRCH, ENODEV
  if (rc < 0) fail_route(sock, rc, "delete route", r);
  return true;
}

std::vector<RouteSpec> list_routes(Socket& sock, net::Family family, std::optional<int> table) {
  nl_cache* raw = nullptr;
  int rc = 0;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    rc = rtnl_route_alloc_cache(sock.request(), to_af(family), 0, &raw);
    if (rc != -NLE_DUMP_INTR) break;
  }
  sock.check(rc, "list routes", "");
  CachePtr cache(raw);
  std::vector<RouteSpec> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);  // borrowed from the cache
    const int tbl = static_cast<int>(rtnl_route_get_table(route));
    if (table && tbl != *table) continue;
    const nl_addr* dst = rtnl_route_get_dst(route);
    const int dst_len = dst ? static_cast<int>(nl_addr_get_prefixlen(dst)) : 0;
    RouteSpec s;
    // A default route comes back without RTA_DST: an empty address.
    s.dst = net::Prefix(from_nl_addr(dst).value_or(zero_address(family)), dst_len);
    s.table = tbl;
    s.scope = rtnl_route_get_scope(route);
    s.priority = static_cast<int>(rtnl_route_get_priority(route));
    s.protocol = rtnl_route_get_protocol(route);
    s.type = rtnl_route_get_type(route);
    s.src = from_nl_addr(rtnl_route_get_pref_src(route));
    std::uint32_t metric = 0;
    if (rtnl_route_get_metric(route, RTAX_MTU, &metric) == 0) s.mtu = static_cast<int>(metric);
    if (rtnl_route_get_metric(route, RTAX_ADVMSS, &metric) == 0) {
      s.advmss = static_cast<int>(metric);
    }
    if (rtnl_route_get_nnexthops(route) > 0) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(route, 0);
      s.ifindex = rtnl_route_nh_get_ifindex(nh);
      s.gw = from_nl_addr(rtnl_route_nh_get_gateway(nh));
      s.onlink = (rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) != 0;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace cni::nl

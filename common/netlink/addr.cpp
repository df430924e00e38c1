#include "netlink/addr.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>

#include <cstdint>
#include <string>

#include "cni/error.hpp"
#include "netlink/convert.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

namespace {

constexpr int kDumpAttempts = 5;

// RTM_NEWADDR / RTM_DELADDR as Go's netlink addrHandle builds them: IFA_LOCAL and IFA_ADDRESS
// both carry the address; flags above 8 bits go in IFA_FLAGS.
MsgPtr build(int type, int flags, const LinkRef& link, const net::Prefix& prefix,
             const AddrOptions& opts) {
  std::uint32_t ifa_flags = 0;
  if (opts.nodad) ifa_flags |= IFA_F_NODAD;
  if (opts.noprefixroute) ifa_flags |= IFA_F_NOPREFIXROUTE;

  ifaddrmsg hdr{};
  hdr.ifa_family = static_cast<std::uint8_t>(to_af(prefix.family()));
  hdr.ifa_prefixlen = static_cast<std::uint8_t>(prefix.length());
  hdr.ifa_flags = static_cast<std::uint8_t>(ifa_flags & 0xff);
  hdr.ifa_scope = static_cast<std::uint8_t>(opts.scope.value_or(RT_SCOPE_UNIVERSE));
  hdr.ifa_index = static_cast<std::uint32_t>(link.index);

  auto msg = new_request(type, flags, &hdr, sizeof hdr);
  put_addr(msg.get(), IFA_LOCAL, prefix.address());
  put_addr(msg.get(), IFA_ADDRESS, prefix.address());
  if (type == RTM_NEWADDR && opts.broadcast && prefix.family() == net::Family::V4 &&
      prefix.length() < 31) {
    put_addr(msg.get(), IFA_BROADCAST, prefix.last());
  }
  if (ifa_flags > 0xff) put_u32(msg.get(), IFA_FLAGS, ifa_flags);
  return msg;
}

}  // namespace

bool add_address(Socket& sock, const LinkRef& link, const net::Prefix& prefix,
                 const AddrOptions& opts) {
  const int rc = send(sock, build(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, link, prefix, opts));
  if (rc == -NLE_EXIST) return false;
  if (rc < 0) fail_link(sock, rc, "add address " + prefix.to_string() + " to", link);
  return true;
}

std::vector<Address> list_addresses(Socket& sock, int ifindex, std::optional<net::Family> family) {
  nl_cache* raw = nullptr;
  int rc = 0;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    rc = rtnl_addr_alloc_cache(sock.request(), &raw);
    if (rc != -NLE_DUMP_INTR) break;
  }
  if (rc < 0) {
    sock.fail(rc, "list addresses", ifindex > 0 ? "of ifindex " + std::to_string(ifindex) : "");
  }
  CachePtr cache(raw);
  std::vector<Address> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);  // borrowed from the cache
    const int index = rtnl_addr_get_ifindex(a);
    if (ifindex > 0 && index != ifindex) continue;
    const auto ip = from_nl_addr(rtnl_addr_get_local(a));
    if (!ip) continue;
    if (family && ip->family() != *family) continue;
    out.push_back({net::Prefix(*ip, rtnl_addr_get_prefixlen(a)), rtnl_addr_get_flags(a),
                   rtnl_addr_get_scope(a), index});
  }
  return out;
}

bool delete_address(Socket& sock, const LinkRef& link, const net::Prefix& prefix) {
  if (link.index <= 0) return false;
  const int rc = send(sock, build(RTM_DELADDR, 0, link, prefix, AddrOptions{}));
  if (rc == -NLE_NOADDR || rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return false;
  if (rc < 0) fail_link(sock, rc, "delete address " + prefix.to_string() + " from", link);
  return true;
}

}  // namespace cni::nl

#include "netlink/addr.hpp"

#include <linux/if_addr.h>
#include <netlink/errno.h>

#include "cni/error.hpp"
#include "netlink/convert.hpp"
#include "netlink/error.hpp"

namespace cni::nl {

namespace {
AddrObjPtr build(const Link& link, const net::Prefix& prefix) {
  AddrObjPtr a(rtnl_addr_alloc());
  if (!a) throw Error(Code::Netlink, "allocate address: out of memory");
  rtnl_addr_set_ifindex(a.get(), link.index());
  rtnl_addr_set_family(a.get(), to_af(prefix.family()));
  auto local = to_nl_addr(prefix);
  check_nl(rtnl_addr_set_local(a.get(), local.get()), "set address", link.name());
  rtnl_addr_set_prefixlen(a.get(), prefix.length());
  return a;
}
}  // namespace

bool add_address(Socket& sock, const Link& link, const net::Prefix& prefix, AddrOptions opts) {
  auto a = build(link, prefix);
  unsigned flags = 0;
  if (opts.nodad) flags |= IFA_F_NODAD;
  if (opts.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
  if (flags) rtnl_addr_set_flags(a.get(), flags);
  int rc = rtnl_addr_add(sock.get(), a.get(), NLM_F_EXCL);
  if (rc == -NLE_EXIST) return false;
  check_nl(rc, "add address " + prefix.to_string() + " to", link.name());
  return true;
}

std::vector<Address> list_addresses(Socket& sock, int ifindex, std::optional<net::Family> family) {
  nl_cache* raw = nullptr;
  int rc;
  for (int attempt = 0;; ++attempt) {
    rc = rtnl_addr_alloc_cache(sock.get(), &raw);
    if (rc != -NLE_DUMP_INTR || attempt >= 5) break;
  }
  check_nl(rc, "list addresses of ifindex", std::to_string(ifindex));
  CachePtr cache(raw);
  std::vector<Address> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != ifindex) continue;
    auto ip = from_nl_addr(rtnl_addr_get_local(a));
    if (!ip) continue;
    if (family && ip->family() != *family) continue;
    out.push_back({net::Prefix(*ip, rtnl_addr_get_prefixlen(a)), rtnl_addr_get_flags(a),
                   rtnl_addr_get_scope(a)});
  }
  return out;
}

bool delete_address(Socket& sock, const Link& link, const net::Prefix& prefix) {
  auto a = build(link, prefix);
  int rc = rtnl_addr_delete(sock.get(), a.get(), 0);
  if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NOADDR) return false;
  check_nl(rc, "delete address " + prefix.to_string() + " from", link.name());
  return true;
}

}  // namespace cni::nl

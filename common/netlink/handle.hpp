#pragma once

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <memory>

namespace cni::nl {

/// Releases a libnl object the way libnl wants it released. Objects returned by libnl with a
/// reference (rtnl_link_get_kernel, *_alloc, nl_addr_build) are owned through these aliases.
struct Deleter {
  void operator()(nl_sock* p) const noexcept { nl_socket_free(p); }
  void operator()(nl_cache* p) const noexcept { nl_cache_free(p); }
  void operator()(rtnl_link* p) const noexcept { rtnl_link_put(p); }
  void operator()(rtnl_addr* p) const noexcept { rtnl_addr_put(p); }
  void operator()(rtnl_route* p) const noexcept { rtnl_route_put(p); }
  void operator()(nl_addr* p) const noexcept { nl_addr_put(p); }
};

using SockPtr = std::unique_ptr<nl_sock, Deleter>;
using CachePtr = std::unique_ptr<nl_cache, Deleter>;
using LinkPtr = std::unique_ptr<rtnl_link, Deleter>;
using AddrObjPtr = std::unique_ptr<rtnl_addr, Deleter>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter>;

}  // namespace cni::nl

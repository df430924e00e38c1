#pragma once

// Owning handles for libnl objects. Every libnl object this project holds goes through one of
// these aliases, so each ownership rule is written down once:
// - *_alloc, nl_addr_build, nlmsg_alloc*, and rtnl_link_get_kernel hand out a reference that
//   the caller must put: wrap the result right away.
// - Getters (rtnl_link_get_addr, rtnl_route_get_dst, nl_cache_get_first, ...) return borrowed
//   pointers: never wrap those (take nl_object_get first if the object must outlive its owner).
// - Setters that take an object (rtnl_link_set_addr, rtnl_route_set_dst, ...) take their own
//   reference: the caller still puts its own.
// - rtnl_route_add_nexthop takes the nexthop itself: release() the NexthopPtr after the call.
// - nl_send_sync frees the message it is given: release() the MsgPtr into it.

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <memory>

namespace cni::nl {

/// Releases a libnl object the way libnl wants it released (put for refcounted objects, free
/// for the rest). Null is fine.
struct Deleter {
  void operator()(nl_sock* p) const noexcept { nl_socket_free(p); }
  void operator()(nl_cache* p) const noexcept { nl_cache_free(p); }
  void operator()(nl_cb* p) const noexcept { nl_cb_put(p); }
  void operator()(nl_msg* p) const noexcept { nlmsg_free(p); }
  void operator()(rtnl_link* p) const noexcept { rtnl_link_put(p); }
  void operator()(rtnl_addr* p) const noexcept { rtnl_addr_put(p); }
  void operator()(rtnl_route* p) const noexcept { rtnl_route_put(p); }
  void operator()(rtnl_nexthop* p) const noexcept { rtnl_route_nh_free(p); }
  void operator()(nl_addr* p) const noexcept { nl_addr_put(p); }
};

using SockPtr = std::unique_ptr<nl_sock, Deleter>;
using CachePtr = std::unique_ptr<nl_cache, Deleter>;
using CbPtr = std::unique_ptr<nl_cb, Deleter>;
using MsgPtr = std::unique_ptr<nl_msg, Deleter>;
using LinkPtr = std::unique_ptr<rtnl_link, Deleter>;
using AddrObjPtr = std::unique_ptr<rtnl_addr, Deleter>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter>;
using NexthopPtr = std::unique_ptr<rtnl_nexthop, Deleter>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter>;

}  // namespace cni::nl

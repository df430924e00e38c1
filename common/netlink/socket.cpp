#include "netlink/socket.hpp"

#include <netlink/netlink.h>

#include "cni/error.hpp"
#include "netlink/error.hpp"

namespace cni::nl {

Socket::Socket() : sock_(nl_socket_alloc()) {
  if (!sock_) throw Error(Code::Netlink, "allocate netlink socket: out of memory");
  check_nl(nl_connect(sock_.get(), NETLINK_ROUTE), "connect netlink socket", "");
}

Socket Socket::in(const netns::Handle& ns) {
  netns::Enter enter(ns);
  return Socket();
}

}  // namespace cni::nl

#pragma once

#include "netlink/handle.hpp"
#include "netns/netns.hpp"

namespace cni::nl {

/// A connected NETLINK_ROUTE socket. A netlink socket stays bound to the network namespace it
/// was created in, so one Socket per namespace serves every link/address/route call there
/// without further setns. Move-only.
class Socket {
 public:
  /// Opens a socket in the calling thread's current network namespace.
  Socket();
  /// Opens a socket inside `ns` (enters it for the duration of the call only).
  static Socket in(const netns::Handle& ns);

  nl_sock* get() const noexcept { return sock_.get(); }

 private:
  SockPtr sock_;
};

}  // namespace cni::nl

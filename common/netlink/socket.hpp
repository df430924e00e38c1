#pragma once

#include <memory>
#include <string_view>

#include "netlink/error.hpp"
#include "netlink/handle.hpp"
#include "netns/netns.hpp"

namespace cni::nl {

/// A connected NETLINK_ROUTE socket. A netlink socket stays bound to the network namespace it
/// was created in, so one Socket per namespace serves every link/address/route call there
/// without further setns. Move-only; not for concurrent use from several threads.
///
/// Every change request asks the kernel for an ACK (libnl's auto-ack stays on) and waits for
/// it, so a failure is reported by the call that caused it. The kernel's errno and
/// extended-ack message of a failed request are kept (kernel_error()) for the error message.
class Socket {
 public:
  /// Opens a socket in the calling thread's current network namespace.
  Socket();
  /// Opens a socket inside `ns`: enters it for the duration of this call only (netns::Enter),
  /// so the calling thread is back in its own namespace when this returns.
  static Socket in(const netns::Handle& ns);

  Socket(Socket&&) noexcept;
  Socket& operator=(Socket&&) noexcept;
  ~Socket();

  /// The raw socket for one request: forgets what the kernel said about the previous request,
  /// so that kernel_error() describes this one. Not owned by the caller.
  nl_sock* request() noexcept;
  /// The raw socket, not owned by the caller.
  nl_sock* get() const noexcept { return sock_.get(); }

  /// What the kernel said about the last failed request since request().
  const KernelError& kernel_error() const noexcept;

  /// Throws the cni::Error for a failed request on this socket (nl_error with kernel_error()).
  [[noreturn]] void fail(int rc, std::string_view op, std::string_view target) const;
  /// fail() when rc < 0.
  void check(int rc, std::string_view op, std::string_view target) const {
    if (rc < 0) fail(rc, op, target);
  }

 private:
  struct State;
  std::unique_ptr<State> state_;  // stable address: the error callback points at it
  SockPtr sock_;
};

}  // namespace cni::nl

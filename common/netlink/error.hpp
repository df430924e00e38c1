#pragma once

#include <string>
#include <string_view>

#include "cni/error.hpp"

namespace cni::nl {

/// What the kernel said about a failed request: its errno (positive, 0 when unknown, e.g. the
/// failure happened inside libnl) and the extended-ack message ("" when it gave none).
struct KernelError {
  int error = 0;
  std::string message;
};

/// The cni::Error for a negative libnl return code `rc` of operation `op` on `target` (an
/// interface name, "ifindex 7", a route; may be empty):
///   msg     "<op> <target>: <reason>", the reason being strerror(kernel errno) when the kernel
///           answered (as the Go plugins print), nl_geterror(rc) otherwise, plus the kernel's
///           extended-ack message in parentheses when there is one;
///   details "libnl error <n> (<nl_geterror>)" plus ", errno <n>";
///   code    TryAgainLater for EBUSY/EAGAIN/NLE_BUSY/NLE_AGAIN/NLE_DUMP_INTR, else Netlink.
cni::Error nl_error(int rc, std::string_view op, std::string_view target,
                    const KernelError& kernel = {});

/// Throws nl_error(rc, op, target, kernel).
[[noreturn]] void throw_nl(int rc, std::string_view op, std::string_view target,
                           const KernelError& kernel = {});

/// throw_nl when rc < 0.
inline void check_nl(int rc, std::string_view op, std::string_view target,
                     const KernelError& kernel = {}) {
  if (rc < 0) throw_nl(rc, op, target, kernel);
}

}  // namespace cni::nl

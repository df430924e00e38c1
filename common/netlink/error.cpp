#include "netlink/error.hpp"

#include <netlink/errno.h>
#include <netlink/netlink.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cni::nl {

cni::Error nl_error(int rc, std::string_view op, std::string_view target,
                    const KernelError& kernel) {
  const int code = std::abs(rc);
  std::string msg(op);
  if (!target.empty()) {
    msg += ' ';
    msg += target;
  }
  msg += ": ";
  msg += kernel.error != 0 ? std::strerror(kernel.error) : nl_geterror(code);
  if (!kernel.message.empty()) msg += " (" + kernel.message + ")";

  std::string details = "libnl error " + std::to_string(code) + " (" + nl_geterror(code) + ")";
  if (kernel.error != 0) details += ", errno " + std::to_string(kernel.error);

  const bool transient = code == NLE_BUSY || code == NLE_AGAIN || code == NLE_DUMP_INTR ||
                         kernel.error == EBUSY || kernel.error == EAGAIN;
  return cni::Error(transient ? Code::TryAgainLater : Code::Netlink, std::move(msg),
                    std::move(details));
}

void throw_nl(int rc, std::string_view op, std::string_view target, const KernelError& kernel) {
  throw nl_error(rc, op, target, kernel);
}

}  // namespace cni::nl

#include "nft/error.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace cni::nft {

cni::Error nft_error(int err, std::string_view op, std::string_view kernel_message) {
  std::string msg(op);
  msg += ": ";
  msg += std::strerror(err);
  if (!kernel_message.empty()) {
    msg += " (";
    msg += kernel_message;
    msg += ')';
  }
  const bool transient =
      err == EBUSY || err == EAGAIN || err == EINTR || err == ERESTART || err == ENOBUFS;
  return cni::Error(transient ? Code::TryAgainLater : Code::Firewall, std::move(msg),
                    "errno " + std::to_string(err));
}

}  // namespace cni::nft

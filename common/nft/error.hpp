#pragma once

#include <string_view>

#include "cni/error.hpp"

namespace cni::nft {

/// The cni::Error for an nftables operation `op` (e.g. `add rule inet cni_plugins_masquerade
/// masq_checks`) that failed with errno `err` (positive):
///   msg     "<op>: <strerror(err)>", plus the kernel's extended-ack message in parentheses;
///   details "errno <n>";
///   code    TryAgainLater for EBUSY, EAGAIN, EINTR, ERESTART and ENOBUFS (a concurrent change,
///           an interrupted dump, lost replies: the same call may work again), else Firewall.
cni::Error nft_error(int err, std::string_view op, std::string_view kernel_message = {});

}  // namespace cni::nft

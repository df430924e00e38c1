#pragma once

#include <string_view>

namespace cni::nl {

/// Throws the cni::Error for a negative libnl return code: "<op> <ifname>: <nl_geterror>",
/// code TryAgainLater for NLE_BUSY/NLE_AGAIN, Netlink otherwise.
[[noreturn]] void throw_nl(int rc, std::string_view op, std::string_view ifname);

/// throw_nl when rc < 0.
inline void check_nl(int rc, std::string_view op, std::string_view ifname) {
  if (rc < 0) throw_nl(rc, op, ifname);
}

}  // namespace cni::nl

#pragma once

#include <optional>

#include "net/ip.hpp"
#include "netlink/handle.hpp"

namespace cni::nl {

/// AF_INET or AF_INET6.
int to_af(net::Family f);

/// An owned nl_addr holding `a` with prefix length `len`.
NlAddrPtr to_nl_addr(const net::IpAddress& a, int len);
inline NlAddrPtr to_nl_addr(const net::Prefix& p) {
  return to_nl_addr(p.address(), p.length());
}

/// The address in a libnl nl_addr (borrowed, not put), or nullopt for a null, empty or
/// non-IP one.
std::optional<net::IpAddress> from_nl_addr(const nl_addr* a);

/// 0.0.0.0 or ::.
net::IpAddress zero_address(net::Family f);

}  // namespace cni::nl

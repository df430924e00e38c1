#pragma once

#include <optional>

#include "net/ip.hpp"
#include "netlink/handle.hpp"

namespace cni::nl {

/// An owned nl_addr holding `a` with prefix length `len`.
NlAddrPtr to_nl_addr(const net::IpAddress& a, int len);
inline NlAddrPtr to_nl_addr(const net::Prefix& p) {
  return to_nl_addr(p.address(), p.length());
}

/// The address in a libnl nl_addr (not owned), or nullopt for an empty / non-IP one.
std::optional<net::IpAddress> from_nl_addr(const nl_addr* a);

int to_af(net::Family f);

}  // namespace cni::nl

#pragma once

#include <optional>
#include <vector>

#include "net/ip.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

/// One address on a link, as listed by the kernel.
struct Address {
  net::Prefix prefix;  // the local address with its prefix length
  unsigned flags = 0;  // IFA_F_*
  int scope = 0;       // RT_SCOPE_*
};

struct AddrOptions {
  bool nodad = false;          // IFA_F_NODAD: usable at once, no duplicate address detection
  bool noprefixroute = false;  // IFA_F_NOPREFIXROUTE: no automatic subnet route
};

/// Adds `prefix` to the link; false when that exact address was already there.
bool add_address(Socket& sock, const Link& link, const net::Prefix& prefix, AddrOptions opts = {});
/// Addresses of the link with ifindex `ifindex`, optionally of one family, in kernel order.
std::vector<Address> list_addresses(Socket& sock, int ifindex,
                                    std::optional<net::Family> family = std::nullopt);
/// Removes `prefix` from the link; false when it was not there.
bool delete_address(Socket& sock, const Link& link, const net::Prefix& prefix);

}  // namespace cni::nl

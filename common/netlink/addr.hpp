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
  unsigned flags = 0;  // IFA_F_* (linux/if_addr.h)
  int scope = 0;       // RT_SCOPE_* (linux/rtnetlink.h)
  int ifindex = 0;
};

struct AddrOptions {
  bool nodad = false;          // IFA_F_NODAD: usable at once, no duplicate address detection
  bool noprefixroute = false;  // IFA_F_NOPREFIXROUTE: no automatic subnet route
  std::optional<int> scope;    // RT_SCOPE_*; default universe (as Go's netlink.AddrAdd)
  /// IPv4 only: set the broadcast address to the last address of the prefix when the prefix is
  /// shorter than /31, as Go's netlink.AddrAdd (and so the reference plugins) do.
  bool broadcast = true;
};

/// Adds `prefix` (address with host bits, e.g. 10.1.0.5/24) to the link, in the socket's
/// namespace (RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL). Returns false, changing nothing, when
/// the kernel already has that address there (EEXIST); throws cni::Error on any other failure
/// ("add address 10.1.0.5/24 to eth0: ...").
[[nodiscard]] bool add_address(Socket& sock, const LinkRef& link, const net::Prefix& prefix,
                               const AddrOptions& opts = {});

/// Addresses of the link with ifindex `ifindex` (every link when 0) in the socket's namespace,
/// optionally of one family, in kernel order (a dump of the namespace, filtered here).
std::vector<Address> list_addresses(Socket& sock, int ifindex,
                                    std::optional<net::Family> family = std::nullopt);

/// Removes `prefix` (same address and prefix length) from the link in the socket's namespace;
/// false when it was not there (or the link is gone).
bool delete_address(Socket& sock, const LinkRef& link, const net::Prefix& prefix);

}  // namespace cni::nl

#pragma once

#include <optional>

#include "netlink/socket.hpp"
#include "netns/netns.hpp"

namespace cni::nl {

/// The id that sock's namespace gives to namespace `ns` (what IFLA_LINK_NETNSID of a link
/// whose peer lives in `ns` says there), asked with RTM_GETNSID; nullopt when it has given it
/// none. Lets a caller confirm that a veth's peer is in a given namespace: ifindexes repeat
/// across namespaces.
std::optional<int> netnsid_of(Socket& sock, const netns::Handle& ns);

}  // namespace cni::nl

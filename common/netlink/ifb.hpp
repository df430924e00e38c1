#pragma once

// ifb (intermediate functional block) links: a queue that traffic redirected from another
// link's ingress can be shaped on, and the link alias (IFLA_IFALIAS) used to label them.

#include <string>
#include <string_view>

#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

/// Creates the ifb link `name`, up, with `mtu` (0: the kernel's default) and transmit queue
/// length `txqlen` (negative: the kernel's default, 32), in sock's namespace (NLM_F_EXCL:
/// "File exists" when the name is taken) and returns it as created. Throws
/// cni::Error(InvalidConfig) for a name that is not 1 to 15 bytes.
Link create_ifb(Socket& sock, std::string_view name, int mtu, int txqlen = -1);

/// Sets the link's alias (IFLA_IFALIAS, at most 255 bytes; "" removes it). Acts in sock's
/// namespace.
void set_alias(Socket& sock, const LinkRef& link, std::string_view alias);

/// The link's alias as the kernel reported it, "" when it has none.
std::string alias(const Link& link);

}  // namespace cni::nl

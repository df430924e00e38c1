#pragma once

// Building blocks for rtnetlink requests written attribute by attribute (addresses, routes,
// and later veth/bridge creation), for when libnl's object layer guesses defaults we do not
// want. Used by this module's .cpp files; not needed by plugins.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/ip.hpp"
#include "netlink/handle.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

/// A new request of `type` (RTM_*) with `flags` (NLM_F_CREATE, ...) carrying the fixed header
/// `hdr` of `size` bytes (ifaddrmsg, rtmsg, ifinfomsg). NLM_F_REQUEST and NLM_F_ACK are added
/// when it is sent. Throws cni::Error(Netlink) when out of memory.
MsgPtr new_request(int type, int flags, const void* hdr, std::size_t size);

/// Appends one attribute; throws cni::Error(Netlink) if the message cannot grow.
void put(nl_msg* msg, int type, const void* data, std::size_t size);
void put_u32(nl_msg* msg, int type, std::uint32_t value);
/// The address bytes (4 or 16) as attribute `type`.
void put_addr(nl_msg* msg, int type, const net::IpAddress& a);

/// Sends `msg` on `sock` (acting in the socket's namespace) and waits for the kernel's ACK.
/// Returns 0 or a negative libnl code; the kernel's reason is then in sock.kernel_error().
int send(Socket& sock, MsgPtr msg);

}  // namespace cni::nl

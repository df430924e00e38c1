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
void put_u8(nl_msg* msg, int type, std::uint8_t value);
void put_u16(nl_msg* msg, int type, std::uint16_t value);
void put_u32(nl_msg* msg, int type, std::uint32_t value);
/// A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND).
void put_string(nl_msg* msg, int type, std::string_view value);
/// The address bytes (4 or 16) as attribute `type`.
void put_addr(nl_msg* msg, int type, const net::IpAddress& a);

/// Opens a nested attribute `type` (close it with nest_end). libnl (3.5+) marks it
/// NLA_F_NESTED, which some kernel parsers insist on (the bridge's IFLA_PROTINFO).
nlattr* nest_start(nl_msg* msg, int type);
void nest_end(nl_msg* msg, nlattr* nest);
/// Appends a fixed header of `size` bytes inside the current nest (the peer's ifinfomsg in
/// VETH_INFO_PEER).
void append_header(nl_msg* msg, const void* hdr, std::size_t size);

/// Sends `msg` on `sock` (acting in the socket's namespace) and waits for the kernel's ACK.
/// Returns 0 or a negative libnl code; the kernel's reason is then in sock.kernel_error().
int send(Socket& sock, MsgPtr msg);

}  // namespace cni::nl

#pragma once

// The nftables expressions of the port-mapping rules (hostport_layout.hpp), encoded exactly as
// `nft` 1.0 encodes the same text (checked against `nft --debug=netlink`), so `nft list` prints
// our rules as the reference's and rules written by `nft` compare equal to ours. Pure: these
// only build or read libnftnl objects.

#include <cstdint>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "nft/handle.hpp"
#include "nft/match.hpp"

namespace cni::nft {

/// Appends `meta l4proto <proto>` (what `tcp dport ...` starts with): IPPROTO_TCP/UDP/SCTP.
void add_l4proto_match(nftnl_rule& rule, std::uint8_t proto);
/// Appends the `dport <port>` half of `tcp dport <port>`: 2 bytes at transport header + 2.
void add_dport_match(nftnl_rule& rule, std::uint16_t port);
/// Appends `dnat to <addr>:<port>` (`[addr]:port` for IPv6) in a table of `addr`'s family.
void add_dnat(nftnl_rule& rule, const net::IpAddress& addr, std::uint16_t port);
/// Appends `fib daddr type local`.
void add_fib_daddr_local(nftnl_rule& rule);
/// Appends `ct status dnat`.
void add_ct_status_dnat(nftnl_rule& rule);
/// Appends `iifname|oifname ==|!= "<name>"`.
void add_ifname_match(nftnl_rule& rule, bool input, CmpOp op, const std::string& name);

/// Each expression of `rule` as libnftnl prints it (`[ cmp eq reg 1 0x00000006 ]`), in order:
/// two rules with equal lists do the same thing. For comparing a listed rule with a built one.
std::vector<std::string> expr_texts(const nftnl_rule& rule);

/// What a port-mapping DNAT rule says, read back (from our rules, the reference's, or `nft`'s
/// encoding of the same text).
struct DnatView {
  std::uint8_t proto = 0;                 // meta l4proto / ip protocol
  std::uint16_t port = 0;                 // the matched destination port
  std::optional<net::IpAddress> daddr;    // `ip daddr X` (full-length, equal): the host IP
  std::optional<net::IpAddress> to_addr;  // dnat target
  std::uint16_t to_port = 0;
};

/// The DNAT parts of `rule` in a table of `family`; nullopt when it has no dnat expression or
/// no protocol and port match.
std::optional<DnatView> read_dnat(const nftnl_rule& rule, net::Family family);

}  // namespace cni::nft

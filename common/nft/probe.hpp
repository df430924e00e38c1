#pragma once

// Questions to the kernel's nf_tables that change nothing: the ruleset generation (for
// optimistic concurrency: a batch can be made to apply only if nothing changed since), and
// whether an xtables match can run inside nf_tables (nft_compat). Act in the socket's
// namespace.

#include <cstdint>
#include <string>

#include "nft/socket.hpp"

namespace cni::nft {

/// The ruleset's generation id (NFT_MSG_GETGEN); it changes with every applied transaction.
/// Throws cni::Error(Firewall) when nf_tables does not answer.
std::uint32_t ruleset_generation(Socket& sock);

/// Whether xtables match `name` revision `rev` is available to nf_tables in `family`
/// (NFNL_MSG_COMPAT_GET, as iptables-nft asks). False when the kernel says no.
bool has_xt_match(Socket& sock, std::uint16_t family, const std::string& name, std::uint32_t rev);

}  // namespace cni::nft

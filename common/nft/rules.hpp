#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nft/handle.hpp"
#include "nft/socket.hpp"

namespace cni::nft {

/// One rule as the kernel lists it.
struct ListedRule {
  std::uint64_t handle = 0;            // the rule's handle, for `delete rule ... handle N`
  std::optional<std::string> comment;  // its comment (userdata), if any
  RulePtr rule;                        // the whole rule, expressions included
};

/// Lists the rules of chain `chain` of table `table` in `family` (NFPROTO_INET, ...) in chain
/// order (an NFT_MSG_GETRULE dump), in the socket's namespace. Empty when the table or the
/// chain does not exist. A dump interrupted by a concurrent change is retried a few times,
/// then reported as cni::Error(TryAgainLater); other failures as cni::Error(Firewall).
/// The names of the chains of table `table` in `family`, in the socket's namespace; empty when
/// the table does not exist (or has no chain). Errors as list_rules.
std::vector<std::string> list_chains(Socket& sock, std::uint16_t family, const std::string& table);

/// Deletes table `table` of `family` with everything in it, in one transaction, in the socket's
/// namespace; fine when it does not exist. Throws cni::Error(Firewall) on other failures.
void delete_table(Socket& sock, std::uint16_t family, const std::string& table);

std::vector<ListedRule> list_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                   const std::string& chain);

}  // namespace cni::nft

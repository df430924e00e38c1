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
std::vector<ListedRule> list_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                   const std::string& chain);

}  // namespace cni::nft

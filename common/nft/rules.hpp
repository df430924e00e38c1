#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nft/handle.hpp"
#include "nft/socket.hpp"

namespace cni::nft {

/// One rule as the kernel lists it.
struct ListedRule {
  std::uint64_t handle = 0;            // the rule's handle, for `delete rule ... handle N`
  std::string chain;                   // the chain it is in
  std::optional<std::string> comment;  // its comment (userdata), if any
  RulePtr rule;                        // the whole rule, expressions included
};

/// Lists the rules of chain `chain` of table `table` in `family` (NFPROTO_INET, ...) in chain
/// order (an NFT_MSG_GETRULE dump), in the socket's namespace; an empty `chain` lists every
/// rule of the table, chain by chain. Empty when the table or the chain does not exist. A dump
/// interrupted by a concurrent change is retried a few times, then reported as
/// cni::Error(TryAgainLater); other failures as cni::Error(Firewall).
std::vector<ListedRule> list_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                   const std::string& chain);

/// One rule as the kernel lists it, read lazily: the handle and the userdata TLVs straight from
/// the message's attributes, the expressions only on demand (parse()). Listing a chain of
/// thousands of rules this way costs a copy per rule instead of libnftnl's object per
/// expression: what portmap's ADD and DEL need to stay flat in the host's number of mappings.
struct RawRule {
  std::uint64_t handle = 0;
  std::optional<std::string> comment;  // the comment TLV
  std::optional<std::string> tag;      // our ownership tag TLV (rule_tag.hpp)
  std::string message;                 // the whole NFT_MSG_NEWRULE message

  /// The whole rule, expressions included (throws cni::Error(Firewall) if it does not parse).
  RulePtr parse() const;
  /// Whether a comparison with exactly `value` (an NFTA_DATA_VALUE of its length) occurs in the
  /// rule: false proves that no `cmp` of the rule compares with it.
  bool compares_with(std::string_view value) const;
};

/// As list_rules, each rule as a RawRule.
std::vector<RawRule> list_raw_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                    const std::string& chain);

/// The names of the chains of table `table` in `family`, in the socket's namespace; empty when
/// the table does not exist (or has no chain). Errors as list_rules.
std::vector<std::string> list_chains(Socket& sock, std::uint16_t family, const std::string& table);

/// Deletes table `table` of `family` with everything in it, in one transaction, in the socket's
/// namespace; fine when it does not exist. Throws cni::Error(Firewall) on other failures.
void delete_table(Socket& sock, std::uint16_t family, const std::string& table);

/// Whether chain `chain` of table `table` exists in `family`, in the socket's namespace: one
/// NFT_MSG_GETCHAIN request, not a dump (false when the table does not exist either).
/// Throws cni::Error(Firewall) for any other failure.
bool chain_exists(Socket& sock, std::uint16_t family, const std::string& table,
                  const std::string& chain);

}  // namespace cni::nft

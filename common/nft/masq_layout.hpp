#pragma once

// The objects of the masquerade layout (masquerade.hpp), built as libnftnl objects, with the
// `nft` text of each for error messages; and masquerade rules read back. Pure: nothing here
// talks to the kernel.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nft/handle.hpp"
#include "nft/masquerade.hpp"
#include "nft/rules.hpp"

namespace cni::nft {

/// A libnftnl object plus what adding or deleting it means in nft syntax.
template <typename Ptr>
struct Described {
  Ptr object;
  std::string op;  // e.g. "add rule inet cni_plugins_masquerade masq_checks ip saddr ..."
};

/// `add table inet cni_plugins_masquerade` (with the reference's comment).
Described<TablePtr> masq_table();
/// `add chain ... masq_checks` (with the reference's comment).
Described<ChainPtr> masq_chain();
/// `add chain ... postrouting { type nat hook postrouting priority srcnat; }`.
Described<ChainPtr> masq_base_chain();
/// `flush chain ... postrouting`.
Described<RulePtr> flush_base_chain();
/// The three rules of the postrouting chain, in order.
std::vector<Described<RulePtr>> masq_base_rules();
/// `add rule ... masq_checks ip saddr <ip> ip daddr != <subnet> masquerade comment "<tag>"`.
Described<RulePtr> masq_rule(const MasqAttachment& a, const MasqAddress& addr);
/// `delete rule ... <chain> handle <handle>`.
Described<RulePtr> delete_by_handle(const std::string& chain, std::uint64_t handle);

/// The masquerade rule `listed` of masq_checks, or nullopt when it has another shape or no
/// attachment tag.
std::optional<MasqRule> read_masq_rule(const ListedRule& listed);

/// Whether `listed` (a rule of postrouting) is `goto masq_checks`.
bool is_masq_jump(const ListedRule& listed);

/// Whether the postrouting chain's rules `listed` are exactly masq_base_rules(), in order.
bool is_current_base_chain(const std::vector<ListedRule>& listed);

}  // namespace cni::nft

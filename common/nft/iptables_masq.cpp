#include "nft/iptables_masq.hpp"

#include <linux/netfilter.h>

#include <array>
#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "nft/batch.hpp"
#include "nft/error.hpp"
#include "nft/iptables_masq_name.hpp"
#include "nft/match.hpp"
#include "nft/rules.hpp"
#include "nft/socket.hpp"
#include "nft/transact.hpp"
#include "nft/xt.hpp"

namespace cni::nft {
namespace {

constexpr char kTable[] = "nat";
constexpr std::array<std::uint16_t, 2> kFamilies = {NFPROTO_IPV4, NFPROTO_IPV6};

// "ip nat <chain>" / "ip6 nat <chain>", as nft names them.
std::string where(std::uint16_t family, const std::string& chain) {
  return std::string(family == NFPROTO_IPV4 ? "ip " : "ip6 ") + kTable + " " + chain;
}

// A rule of `chain` in table nat of `family`; with a handle, that one rule.
RulePtr rule_in(std::uint16_t family, const std::string& chain,
                std::optional<std::uint64_t> handle = std::nullopt) {
  RulePtr r(nftnl_rule_alloc());
  if (!r) throw nft_error(ENOMEM, "allocate nftables rule");
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, family);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  if (handle) nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, *handle);
  return r;
}

ChainPtr chain_named(std::uint16_t family, const std::string& chain) {
  ChainPtr c(nftnl_chain_alloc());
  if (!c) throw nft_error(ENOMEM, "allocate nftables chain");
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, family);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTable);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.c_str());
  return c;
}

// The rule's comment: iptables-nft writes an xtables comment match; a userdata comment (nft,
// other iptables-nft versions) counts as well.
std::optional<std::string> comment_text(const ListedRule& r) {
  if (r.comment) return r.comment;
  return xt_comment_of(*r.rule);
}

// Adds to the batch the deletion of the jumps to `chain` (in table nat of `family`, whose
// rules are `table_rules`) that carry `comment`, then the flush and deletion of `chain`
// itself, unless a rule without the comment still jumps to it.
void remove_chain(Batch& batch, std::uint16_t family, const std::vector<ListedRule>& table_rules,
                  const std::string& chain, const std::string& comment) {
  bool foreign_jump = false;
  for (const auto& r : table_rules) {
    if (jump_target(*r.rule) != chain) continue;
    if (comment_text(r) != comment) {
      foreign_jump = true;
      continue;
    }
    batch.delete_rule(
        *rule_in(family, r.chain, r.handle),
        "delete rule " + where(family, r.chain) + " handle " + std::to_string(r.handle));
  }
  if (foreign_jump) return;
  batch.delete_rule(*rule_in(family, chain), "flush chain " + where(family, chain));
  batch.delete_chain(*chain_named(family, chain), "delete chain " + where(family, chain));
}

}  // namespace

void teardown_iptables_masquerade(std::string_view network, std::string_view container_id) {
  const std::string chain = iptables_masq_chain(network, container_id);
  const std::string comment = iptables_masq_comment(network, container_id);
  transact([&](Socket& sock, Batch& batch) {
    for (const std::uint16_t family : kFamilies) {
      if (!chain_exists(sock, family, kTable, chain)) continue;  // the common case: no dump
      remove_chain(batch, family, list_rules(sock, family, kTable, ""), chain, comment);
    }
  });
}

void gc_iptables_masquerade(std::string_view network,
                            const std::set<std::string>& live_container_ids) {
  transact([&](Socket& sock, Batch& batch) {
    for (const std::uint16_t family : kFamilies) {
      const auto rules = list_rules(sock, family, kTable, "");  // empty without the table
      std::map<std::string, std::string> dead;                  // chain -> its comment
      for (const auto& r : rules) {
        const auto comment = comment_text(r);
        if (!comment) continue;
        const auto id = iptables_masq_comment_id(*comment, network);
        if (!id || live_container_ids.contains(*id)) continue;
        const std::string chain = iptables_masq_chain(network, *id);
        if (r.chain == chain || jump_target(*r.rule) == chain) dead.emplace(chain, *comment);
      }
      for (const auto& [chain, comment] : dead)
        remove_chain(batch, family, rules, chain, comment);
    }
  });
}

}  // namespace cni::nft

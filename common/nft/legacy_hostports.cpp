#include "nft/legacy_hostports.hpp"

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <optional>

#include "nft/batch.hpp"
#include "nft/error.hpp"
#include "nft/rules.hpp"
#include "nft/sha512.hpp"
#include "nft/socket.hpp"

namespace cni::nft {
namespace {

constexpr char kNatTable[] = "nat";
constexpr char kDnatChain[] = "CNI-HOSTPORT-DNAT";
constexpr std::size_t kChainHashLen = 21;  // 28 (iptables' limit) - len("CNI-DN-")
constexpr std::uint16_t kFamilies[] = {NFPROTO_IPV4, NFPROTO_IPV6};

// What a jump rule of CNI-HOSTPORT-DNAT says: its target chain and its comment match.
struct Jump {
  std::string target;
  std::string comment;
};

std::optional<Jump> read_jump(const nftnl_rule& rule) {
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  Jump j;
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (std::strcmp(name, "match") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_MT_NAME) &&
        std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME), "comment") == 0) {
      std::uint32_t len = 0;  // struct xt_comment_info: char comment[256]
      const auto* info = static_cast<const char*>(nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len));
      if (info != nullptr) j.comment.assign(info, strnlen(info, len));
    } else if (std::strcmp(name, "immediate") == 0 &&
               nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT) &&
               nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) ==
                   static_cast<std::uint32_t>(NFT_JUMP) &&
               nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN)) {
      j.target = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
    }
  }
  if (j.target.empty()) return std::nullopt;
  return j;
}

// `dnat name: "<network>" id: "<container ID>"` -> the container ID, when of `network`.
std::optional<std::string> container_of(const std::string& comment, std::string_view network) {
  const std::string head = "dnat name: \"" + std::string(network) + "\" id: \"";
  if (!comment.starts_with(head) || !comment.ends_with('"')) return std::nullopt;
  return comment.substr(head.size(), comment.size() - head.size() - 1);
}

const char* family_name(std::uint16_t family) {
  return family == NFPROTO_IPV4 ? "ip" : "ip6";
}

// Deletes the jumps `doomed` picks and the chains they lead to, in one transaction.
void remove(std::uint16_t family, const std::function<bool(const Jump&)>& doomed) {
  Socket sock;
  const std::string where = std::string(family_name(family)) + " nat ";
  Batch batch(sock);
  std::set<std::string> chains;
  for (const auto& r : list_rules(sock, family, kNatTable, kDnatChain)) {
    const auto j = read_jump(*r.rule);
    if (!j || !j->target.starts_with("CNI-DN-") || !doomed(*j)) continue;
    RulePtr del(nftnl_rule_alloc());
    if (!del) throw nft_error(ENOMEM, "allocate nftables rule");
    nftnl_rule_set_u32(del.get(), NFTNL_RULE_FAMILY, family);
    nftnl_rule_set_str(del.get(), NFTNL_RULE_TABLE, kNatTable);
    nftnl_rule_set_str(del.get(), NFTNL_RULE_CHAIN, kDnatChain);
    nftnl_rule_set_u64(del.get(), NFTNL_RULE_HANDLE, r.handle);
    batch.delete_rule(*del,
                      "delete rule " + where + kDnatChain + " handle " + std::to_string(r.handle));
    chains.insert(j->target);
  }
  for (const auto& chain : chains) {
    RulePtr flush(nftnl_rule_alloc());
    ChainPtr c(nftnl_chain_alloc());
    if (!flush || !c) throw nft_error(ENOMEM, "allocate nftables object");
    nftnl_rule_set_u32(flush.get(), NFTNL_RULE_FAMILY, family);
    nftnl_rule_set_str(flush.get(), NFTNL_RULE_TABLE, kNatTable);
    nftnl_rule_set_str(flush.get(), NFTNL_RULE_CHAIN, chain.c_str());
    const std::string name = where + chain;
    batch.delete_rule(*flush, "flush chain " + name);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, family);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kNatTable);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.c_str());
    batch.delete_chain(*c, "delete chain " + name);
  }
  batch.commit();  // an empty batch is not sent
}

}  // namespace

std::string legacy_dnat_chain(std::string_view network, std::string_view container_id) {
  std::string data(network);
  data += container_id;
  return "CNI-DN-" + sha512_hex(data).substr(0, kChainHashLen);
}

void teardown_legacy_hostports(std::string_view network, std::string_view container_id) {
  const std::string chain = legacy_dnat_chain(network, container_id);
  for (const std::uint16_t f : kFamilies)
    remove(f, [&](const Jump& j) { return j.target == chain; });
}

void gc_legacy_hostports(std::string_view network,
                         const std::set<std::string>& valid_container_ids) {
  for (const std::uint16_t f : kFamilies) {
    remove(f, [&](const Jump& j) {
      const auto id = container_of(j.comment, network);
      return id && !valid_container_ids.contains(*id) &&
             j.target == legacy_dnat_chain(network, *id);
    });
  }
}

}  // namespace cni::nft

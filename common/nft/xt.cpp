#include "nft/xt.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "nft/error.hpp"
#include "nft/match.hpp"

namespace cni::nft {
namespace {

constexpr std::uint32_t kConntrackRevision = 3;  // what iptables 1.8.9 picks on Linux >= 3.x

// `match name <name> rev <rev>` with the xtables info struct `info`.
void add_xt_match(nftnl_rule& rule, const char* name, std::uint32_t rev,
                  const std::vector<std::uint8_t>& info) {
  auto e = make_expr("match");
  nftnl_expr_set_str(e.get(), NFTNL_EXPR_MT_NAME, name);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_MT_REV, rev);
  // libnftnl keeps the pointer and frees it with the expression (src/expr/match.c: set stores
  // it, free xfree()s it), as iptables-nft relies on: hand it a malloc'd copy.
  void* copy = std::malloc(info.size());  // NOLINT(cppcoreguidelines-no-malloc)
  if (copy == nullptr) throw nft_error(ENOMEM, std::string("allocate xt match ") + name);
  std::memcpy(copy, info.data(), info.size());
  nftnl_expr_set(e.get(), NFTNL_EXPR_MT_INFO, copy, static_cast<std::uint32_t>(info.size()));
  // The analyzer cannot see that `copy` now belongs to the expression.
  append_expr(rule, std::move(e));  // NOLINT(clang-analyzer-unix.Malloc)
}

std::string hex(const void* data, std::uint32_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::uint32_t i = 0; i < len; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xf];
  }
  return out;
}

}  // namespace

void add_xt_ifname(nftnl_rule& rule, IfDir dir, CmpOp op, std::string_view name) {
  auto e = make_expr("meta");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY,
                     dir == IfDir::In ? NFT_META_IIFNAME : NFT_META_OIFNAME);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  append_expr(rule, std::move(e));
  const std::string z(name);  // compared with its NUL: an exact name, not a prefix
  auto cmp = make_expr("cmp");
  nftnl_expr_set_u32(cmp.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(cmp.get(), NFTNL_EXPR_CMP_OP, op == CmpOp::Eq ? NFT_CMP_EQ : NFT_CMP_NEQ);
  nftnl_expr_set(cmp.get(), NFTNL_EXPR_CMP_DATA, z.c_str(),
                 static_cast<std::uint32_t>(z.size() + 1));
  append_expr(rule, std::move(cmp));
}

void add_xt_ctstate_related_established(nftnl_rule& rule) {
  xt_conntrack_mtinfo3 info{};
  info.match_flags = XT_CONNTRACK_STATE;
  info.state_mask =
      XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) | XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
  std::vector<std::uint8_t> bytes(XT_ALIGN(sizeof info), 0);
  std::memcpy(bytes.data(), &info, sizeof info);
  add_xt_match(rule, "conntrack", kConntrackRevision, bytes);
}

void add_xt_ctstate_dnat(nftnl_rule& rule) {
  xt_conntrack_mtinfo3 info{};
  info.match_flags = XT_CONNTRACK_STATE;
  info.state_mask = XT_CONNTRACK_STATE_DNAT;
  std::vector<std::uint8_t> bytes(XT_ALIGN(sizeof info), 0);
  std::memcpy(bytes.data(), &info, sizeof info);
  add_xt_match(rule, "conntrack", kConntrackRevision, bytes);
}

void add_xt_comment(nftnl_rule& rule, std::string_view text) {
  std::vector<std::uint8_t> bytes(XT_ALIGN(sizeof(xt_comment_info)), 0);
  std::memcpy(bytes.data(), text.data(), std::min(text.size(), kXtCommentMax));
  add_xt_match(rule, "comment", 0, bytes);
}

void add_counter(nftnl_rule& rule) {
  auto e = make_expr("counter");
  nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_PACKETS, 0);
  nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_BYTES, 0);
  append_expr(rule, std::move(e));
}

void add_accept(nftnl_rule& rule) {
  auto e = make_expr("immediate");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
  append_expr(rule, std::move(e));
}

std::optional<std::string> xt_comment_of(const nftnl_rule& rule) {
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    if (std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "match") != 0 ||
        !nftnl_expr_is_set(e, NFTNL_EXPR_MT_NAME) ||
        std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME), "comment") != 0) {
      continue;
    }
    std::uint32_t len = 0;
    const auto* data = static_cast<const char*>(nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len));
    if (data == nullptr) return std::string();
    return std::string(data, strnlen(data, len));
  }
  return std::nullopt;
}

std::string rule_signature(const nftnl_rule& rule) {
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  std::string out;
  std::array<char, 1024> text{};
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    const std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    out += '[';
    if (name == "counter") {
      out += "counter";
    } else {
      nftnl_expr_snprintf(text.data(), text.size(), e, NFTNL_OUTPUT_DEFAULT, 0);
      out += name + " " + text.data();
      if (name == "match" || name == "target") {
        std::uint32_t len = 0;
        const void* info = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);
        if (info != nullptr) out += " info " + hex(info, len);
      }
    }
    out += ']';
  }
  return out;
}

}  // namespace cni::nft

#include "nft/match.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

// Offsets of the source and destination addresses in the IPv4 and IPv6 headers.
constexpr std::uint32_t kV4Saddr = 12, kV4Daddr = 16, kV6Saddr = 8, kV6Daddr = 24;

std::uint32_t addr_offset(net::Family family, AddrField field) {
  if (family == net::Family::V4) return field == AddrField::Source ? kV4Saddr : kV4Daddr;
  return field == AddrField::Source ? kV6Saddr : kV6Daddr;
}

std::uint8_t nfproto_of(net::Family family) {
  return family == net::Family::V4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

void add_verdict(nftnl_rule& rule, int verdict, const std::string* chain) {
  auto e = make_expr("immediate");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(verdict));
  if (chain != nullptr) nftnl_expr_set_str(e.get(), NFTNL_EXPR_IMM_CHAIN, chain->c_str());
  append_expr(rule, std::move(e));
}

// The rule's first expression `pred` accepts (borrowed from the rule); null when none does.
template <typename Pred>
const nftnl_expr* first_expr(const nftnl_rule& rule, Pred pred) {
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  while (const nftnl_expr* e = nftnl_expr_iter_next(iter.get()))
    if (pred(*e)) return e;
  return nullptr;
}

// Leading one bits of a mask; nullopt when the ones are not contiguous from the start.
std::optional<int> prefix_length(const Bytes& mask, std::size_t len) {
  int bits = 0;
  bool zeros = false;
  for (std::size_t i = 0; i < len; ++i) {
    for (int b = 7; b >= 0; --b) {
      const bool one = ((mask[i] >> b) & 1U) != 0;
      if (one && zeros) return std::nullopt;
      if (one) ++bits;
      zeros = zeros || !one;
    }
  }
  return bits;
}

// The payload load and mask waiting for their compare.
struct PendingLoad {
  std::uint32_t offset = 0;
  std::uint32_t len = 0;
  Bytes mask{};
};

// Decodes the compare that completes `load` into an address match; nullopt when it is not one.
std::optional<AddrMatch> decode_addr(net::Family family, const PendingLoad& load,
                                     const nftnl_expr& cmp) {
  const std::size_t addr_len = family == net::Family::V4 ? 4 : 16;
  std::uint32_t data_len = 0;
  const void* data = nftnl_expr_get(&cmp, NFTNL_EXPR_CMP_DATA, &data_len);
  if (data == nullptr || data_len != load.len || load.len == 0 || load.len > addr_len) {
    return std::nullopt;
  }
  AddrMatch m;
  if (load.offset == addr_offset(family, AddrField::Source)) {
    m.field = AddrField::Source;
  } else if (load.offset == addr_offset(family, AddrField::Destination)) {
    m.field = AddrField::Destination;
  } else {
    return std::nullopt;
  }
  const std::uint32_t op = nftnl_expr_get_u32(&cmp, NFTNL_EXPR_CMP_OP);
  if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) return std::nullopt;
  m.op = op == NFT_CMP_EQ ? CmpOp::Eq : CmpOp::Neq;
  const auto len = prefix_length(load.mask, addr_len);
  if (!len) return std::nullopt;
  Bytes addr{};
  std::memcpy(addr.data(), data, data_len);
  net::IpAddress ip;
  if (family == net::Family::V4) {
    ip = net::IpAddress::v4({addr[0], addr[1], addr[2], addr[3]});
  } else {
    ip = net::IpAddress::v6(addr);
  }
  m.prefix = net::Prefix(ip, *len);
  return m;
}

}  // namespace

ExprPtr make_expr(const char* name) {
  ExprPtr e(nftnl_expr_alloc(name));
  if (!e) throw nft_error(ENOMEM, std::string("allocate nftables expression ") + name);
  return e;
}

void append_expr(nftnl_rule& rule, ExprPtr e) {
  nftnl_rule_add_expr(&rule, e.release());
}

void add_cmp(nftnl_rule& rule, CmpOp op, const void* data, std::uint32_t len) {
  auto e = make_expr("cmp");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, op == CmpOp::Eq ? NFT_CMP_EQ : NFT_CMP_NEQ);
  nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data, len);
  append_expr(rule, std::move(e));
}

void add_nfproto_match(nftnl_rule& rule, net::Family family) {
  auto e = make_expr("meta");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  append_expr(rule, std::move(e));
  const std::uint8_t proto = nfproto_of(family);
  add_cmp(rule, CmpOp::Eq, &proto, sizeof proto);
}

void add_addr_match(nftnl_rule& rule, AddrField field, CmpOp op, const net::Prefix& prefix) {
  const net::Prefix network = prefix.network();
  const auto addr_len = static_cast<std::uint32_t>(network.address().byte_length());
  const int bits = network.length();
  const bool whole_bytes = bits > 0 && bits % 8 == 0;
  const std::uint32_t load_len = whole_bytes ? static_cast<std::uint32_t>(bits / 8) : addr_len;

  auto load = make_expr("payload");
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_OFFSET, addr_offset(network.family(), field));
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_LEN, load_len);
  append_expr(rule, std::move(load));

  if (!whole_bytes) {
    Bytes mask{};
    for (int i = 0; i < bits; ++i)
      mask[static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(0x80U >> (i % 8));
    const Bytes zero{};
    auto bitwise = make_expr("bitwise");
    nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_LEN, addr_len);
    nftnl_expr_set(bitwise.get(), NFTNL_EXPR_BITWISE_MASK, mask.data(), addr_len);
    nftnl_expr_set(bitwise.get(), NFTNL_EXPR_BITWISE_XOR, zero.data(), addr_len);
    append_expr(rule, std::move(bitwise));
  }
  add_cmp(rule, op, network.address().bytes().data(), load_len);
}

void add_masquerade(nftnl_rule& rule) {
  append_expr(rule, make_expr("masq"));
}

void add_return(nftnl_rule& rule) {
  add_verdict(rule, NFT_RETURN, nullptr);
}

void add_goto(nftnl_rule& rule, const std::string& chain) {
  add_verdict(rule, NFT_GOTO, &chain);
}

void add_iifname_match(nftnl_rule& rule, const std::string& name) {
  auto e = make_expr("meta");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, NFT_META_IIFNAME);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  append_expr(rule, std::move(e));
  std::array<char, IFNAMSIZ> padded{};
  std::memcpy(padded.data(), name.data(), std::min(name.size(), padded.size() - 1));
  add_cmp(rule, CmpOp::Eq, padded.data(), padded.size());
}

void add_ether_saddr_match(nftnl_rule& rule, const std::array<std::uint8_t, 6>& mac) {
  constexpr std::uint32_t kEtherSaddrOffset = 6;
  auto load = make_expr("payload");
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_LL_HEADER);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_OFFSET, kEtherSaddrOffset);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_LEN, mac.size());
  append_expr(rule, std::move(load));
  add_cmp(rule, CmpOp::Eq, mac.data(), mac.size());
}

void add_jump(nftnl_rule& rule, const std::string& chain) {
  add_verdict(rule, NFT_JUMP, &chain);
}

void add_drop(nftnl_rule& rule) {
  add_verdict(rule, NF_DROP, nullptr);
}

std::optional<std::string> jump_target(const nftnl_rule& rule) {
  const nftnl_expr* e = first_expr(rule, [](const nftnl_expr& x) {
    if (std::strcmp(nftnl_expr_get_str(&x, NFTNL_EXPR_NAME), "immediate") != 0) return false;
    if (!nftnl_expr_is_set(&x, NFTNL_EXPR_IMM_CHAIN)) return false;
    const auto verdict = static_cast<int>(nftnl_expr_get_u32(&x, NFTNL_EXPR_IMM_VERDICT));
    return verdict == NFT_JUMP || verdict == NFT_GOTO;
  });
  if (e == nullptr) return std::nullopt;
  return std::string(nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
}

std::optional<std::string> iifname_of(const nftnl_rule& rule) {
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  bool loaded = false;
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    const std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (name == "meta") {
      loaded = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_IIFNAME;
    } else if (name == "cmp" && loaded) {
      std::uint32_t len = 0;
      const auto* data = static_cast<const char*>(nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len));
      if (data == nullptr) return std::nullopt;
      return std::string(data, strnlen(data, len));
    } else {
      loaded = false;
    }
  }
  return std::nullopt;
}

RuleSummary summarize(const nftnl_rule& rule) {
  RuleSummary out;
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");

  bool pending_meta = false;
  std::optional<PendingLoad> pending_load;
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    const std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (name == "meta" && nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_NFPROTO) {
      pending_meta = true;
    } else if (name == "payload" &&
               nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) == NFT_PAYLOAD_NETWORK_HEADER) {
      PendingLoad load;
      load.offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
      load.len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
      for (std::uint32_t i = 0; i < load.len && i < load.mask.size(); ++i)
        load.mask[i] = 0xff;
      pending_load = load;
    } else if (name == "bitwise" && pending_load) {
      std::uint32_t len = 0;
      const void* mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &len);
      if (mask == nullptr || len != pending_load->len) {
        out.unknown = true;
      } else {
        std::memcpy(pending_load->mask.data(), mask, len);
      }
    } else if (name == "cmp" && pending_meta) {
      pending_meta = false;
      std::uint32_t len = 0;
      const auto* data =
          static_cast<const std::uint8_t*>(nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len));
      if (data != nullptr && len == 1 && *data == NFPROTO_IPV4) {
        out.nfproto = net::Family::V4;
      } else if (data != nullptr && len == 1 && *data == NFPROTO_IPV6) {
        out.nfproto = net::Family::V6;
      } else {
        out.unknown = true;
      }
    } else if (name == "cmp" && pending_load && out.nfproto) {
      if (auto m = decode_addr(*out.nfproto, *pending_load, *e)) {
        out.matches.push_back(*m);
      } else {
        out.unknown = true;
      }
      pending_load.reset();
    } else if (name == "masq") {
      out.action = RuleSummary::Action::Masquerade;
    } else if (name == "immediate" && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
      const auto verdict = static_cast<int>(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT));
      if (verdict == NFT_RETURN) {
        out.action = RuleSummary::Action::Return;
      } else if (verdict == NFT_GOTO && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN)) {
        out.action = RuleSummary::Action::Goto;
        out.goto_chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
      } else {
        out.unknown = true;
      }
    } else {
      out.unknown = true;
    }
  }
  return out;
}

}  // namespace cni::nft

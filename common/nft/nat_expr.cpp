#include "nft/nat_expr.hpp"

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "nft/error.hpp"
#include "nft/match.hpp"

namespace cni::nft {
namespace {

void add_meta_load(nftnl_rule& rule, std::uint32_t key) {
  auto e = make_expr("meta");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  append_expr(rule, std::move(e));
}

void add_immediate(nftnl_rule& rule, std::uint32_t reg, const void* data, std::uint32_t len) {
  auto e = make_expr("immediate");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, reg);
  nftnl_expr_set(e.get(), NFTNL_EXPR_IMM_DATA, data, len);
  append_expr(rule, std::move(e));
}

// The registers as one byte array: NFT_REG_1..4 are 16 bytes each, NFT_REG32_00..15 alias
// them 4 bytes at a time (nft puts concatenations such as `addr . port` there).
constexpr std::size_t kRegBytes = 64;
std::optional<std::size_t> reg_offset(std::uint32_t reg) {
  if (reg >= NFT_REG_1 && reg <= NFT_REG_4) return (reg - NFT_REG_1) * 16U;
  if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15) return (reg - NFT_REG32_00) * 4U;
  return std::nullopt;
}

std::uint32_t daddr_offset(net::Family f) {
  return f == net::Family::V4 ? 16 : 24;
}

enum class Loaded { None, Proto, Daddr, Dport };

// A nat expression as the kernel lists it back: it fills in max = min and sets
// NF_NAT_RANGE_MAP_IPS when an address register is given, so a rule we build and the same rule
// listed compare equal only after that normalisation.
std::string nat_text(const nftnl_expr& e) {
  auto get = [&](std::uint16_t attr) {
    return nftnl_expr_is_set(&e, attr) ? std::to_string(nftnl_expr_get_u32(&e, attr)) : "-";
  };
  std::uint32_t flags = nftnl_expr_is_set(&e, NFTNL_EXPR_NAT_FLAGS)
                            ? nftnl_expr_get_u32(&e, NFTNL_EXPR_NAT_FLAGS)
                            : 0;
  if (nftnl_expr_is_set(&e, NFTNL_EXPR_NAT_REG_ADDR_MIN)) flags |= NF_NAT_RANGE_MAP_IPS;
  const std::string addr_max = nftnl_expr_is_set(&e, NFTNL_EXPR_NAT_REG_ADDR_MAX)
                                   ? get(NFTNL_EXPR_NAT_REG_ADDR_MAX)
                                   : get(NFTNL_EXPR_NAT_REG_ADDR_MIN);
  const std::string proto_max = nftnl_expr_is_set(&e, NFTNL_EXPR_NAT_REG_PROTO_MAX)
                                    ? get(NFTNL_EXPR_NAT_REG_PROTO_MAX)
                                    : get(NFTNL_EXPR_NAT_REG_PROTO_MIN);
  return "nat type " + get(NFTNL_EXPR_NAT_TYPE) + " family " + get(NFTNL_EXPR_NAT_FAMILY) +
         " addr " + get(NFTNL_EXPR_NAT_REG_ADDR_MIN) + "-" + addr_max + " proto " +
         get(NFTNL_EXPR_NAT_REG_PROTO_MIN) + "-" + proto_max + " flags " + std::to_string(flags);
}

}  // namespace

void add_l4proto_match(nftnl_rule& rule, std::uint8_t proto) {
  add_meta_load(rule, NFT_META_L4PROTO);
  add_cmp(rule, CmpOp::Eq, &proto, sizeof proto);
}

void add_dport_match(nftnl_rule& rule, std::uint16_t port) {
  auto load = make_expr("payload");
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_OFFSET, 2);
  nftnl_expr_set_u32(load.get(), NFTNL_EXPR_PAYLOAD_LEN, 2);
  append_expr(rule, std::move(load));
  const std::array<std::uint8_t, 2> be{static_cast<std::uint8_t>(port >> 8),
                                       static_cast<std::uint8_t>(port & 0xff)};
  add_cmp(rule, CmpOp::Eq, be.data(), be.size());
}

void add_dnat(nftnl_rule& rule, const net::IpAddress& addr, std::uint16_t port) {
  add_immediate(rule, NFT_REG_1, addr.bytes().data(),
                static_cast<std::uint32_t>(addr.byte_length()));
  const std::array<std::uint8_t, 2> be{static_cast<std::uint8_t>(port >> 8),
                                       static_cast<std::uint8_t>(port & 0xff)};
  add_immediate(rule, NFT_REG_2, be.data(), be.size());
  auto e = make_expr("nat");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FAMILY, addr.is_v4() ? NFPROTO_IPV4 : NFPROTO_IPV6);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
  append_expr(rule, std::move(e));
}

void add_fib_daddr_local(nftnl_rule& rule) {
  auto e = make_expr("fib");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
  append_expr(rule, std::move(e));
  const std::uint32_t local = RTN_LOCAL;  // host byte order, as nft compares it
  add_cmp(rule, CmpOp::Eq, &local, sizeof local);
}

void add_ct_status_dnat(nftnl_rule& rule) {
  auto ct = make_expr("ct");
  nftnl_expr_set_u32(ct.get(), NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
  nftnl_expr_set_u32(ct.get(), NFTNL_EXPR_CT_DREG, NFT_REG_1);
  append_expr(rule, std::move(ct));
  const std::uint32_t mask = IPS_DST_NAT;
  const std::uint32_t zero = 0;
  auto bitwise = make_expr("bitwise");
  nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(bitwise.get(), NFTNL_EXPR_BITWISE_LEN, sizeof mask);
  nftnl_expr_set(bitwise.get(), NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
  nftnl_expr_set(bitwise.get(), NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
  append_expr(rule, std::move(bitwise));
  add_cmp(rule, CmpOp::Neq, &zero, sizeof zero);
}

void add_ifname_match(nftnl_rule& rule, bool input, CmpOp op, const std::string& name) {
  add_meta_load(rule, input ? NFT_META_IIFNAME : NFT_META_OIFNAME);
  std::array<char, IFNAMSIZ> padded{};
  std::memcpy(padded.data(), name.data(), std::min(name.size(), padded.size() - 1));
  add_cmp(rule, op, padded.data(), padded.size());
}

std::vector<std::string> expr_texts(const nftnl_rule& rule) {
  std::vector<std::string> out;
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  std::array<char, 512> buf{};
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    if (std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "nat") == 0) {
      out.push_back(nat_text(*e));
      continue;
    }
    const int n = nftnl_expr_snprintf(buf.data(), buf.size(), e, NFTNL_OUTPUT_DEFAULT, 0);
    out.emplace_back(std::string(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) + " " +
                     std::string(buf.data(), n > 0 ? std::min<std::size_t>(n, buf.size() - 1) : 0));
  }
  return out;
}

std::optional<DnatView> read_dnat(const nftnl_rule& rule, net::Family family) {
  ExprIterPtr iter(nftnl_expr_iter_create(&rule));
  if (!iter) throw nft_error(ENOMEM, "read nftables rule");
  DnatView v;
  bool have_proto = false;
  bool have_port = false;
  bool have_nat = false;
  Loaded loaded = Loaded::None;
  std::array<std::uint8_t, kRegBytes> regs{};
  const std::size_t addr_len = family == net::Family::V4 ? 4 : 16;
  while (nftnl_expr* e = nftnl_expr_iter_next(iter.get())) {
    const std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (name == "meta") {
      loaded = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO ? Loaded::Proto
                                                                              : Loaded::None;
    } else if (name == "payload") {
      const auto base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
      const auto off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
      const auto len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
      const std::uint32_t proto_off = family == net::Family::V4 ? 9 : 6;  // protocol, nexthdr
      loaded = Loaded::None;
      if (base == NFT_PAYLOAD_NETWORK_HEADER && off == daddr_offset(family) && len == addr_len) {
        loaded = Loaded::Daddr;
      } else if (base == NFT_PAYLOAD_NETWORK_HEADER && off == proto_off && len == 1) {
        loaded = Loaded::Proto;
      } else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2) {
        loaded = Loaded::Dport;
      }
    } else if (name == "cmp") {
      std::uint32_t len = 0;
      const auto* data =
          static_cast<const std::uint8_t*>(nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len));
      const bool eq = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) == NFT_CMP_EQ;
      if (data != nullptr && eq) {
        if (loaded == Loaded::Proto && len == 1) {
          v.proto = data[0];
          have_proto = true;
        } else if (loaded == Loaded::Dport && len == 2) {
          v.port = static_cast<std::uint16_t>((data[0] << 8) | data[1]);
          have_port = true;
        } else if (loaded == Loaded::Daddr && len == addr_len) {
          std::array<std::uint8_t, 16> b{};
          std::memcpy(b.data(), data, len);
          v.daddr = family == net::Family::V4 ? net::IpAddress::v4({b[0], b[1], b[2], b[3]})
                                              : net::IpAddress::v6(b);
        }
      }
      loaded = Loaded::None;
    } else if (name == "immediate" && !nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
      std::uint32_t len = 0;
      const void* data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
      const auto at = reg_offset(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG));
      if (data != nullptr && at && *at + len <= regs.size())
        std::memcpy(regs.data() + *at, data, len);
    } else if (name == "nat" && nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT) {
      const auto a = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN)
                         ? reg_offset(nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN))
                         : std::nullopt;
      const auto p = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN)
                         ? reg_offset(nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN))
                         : std::nullopt;
      if (a && *a + addr_len <= regs.size()) {
        std::array<std::uint8_t, 16> b{};
        std::memcpy(b.data(), regs.data() + *a, addr_len);
        v.to_addr = family == net::Family::V4 ? net::IpAddress::v4({b[0], b[1], b[2], b[3]})
                                              : net::IpAddress::v6(b);
      }
      if (p && *p + 2 <= regs.size()) {
        v.to_port = static_cast<std::uint16_t>((regs[*p] << 8) | regs[*p + 1]);
      }
      have_nat = true;
    } else {
      loaded = Loaded::None;
    }
  }
  if (!have_nat || !have_proto || !have_port) return std::nullopt;
  return v;
}

}  // namespace cni::nft

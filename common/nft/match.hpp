#pragma once

#include <array>
#include <cstdint>

// The few nftables expressions the masquerade rules are made of, encoded exactly as `nft`
// 1.0 encodes them (so `nft list` prints them back as written) and decoded again from a
// listed rule. Pure: these only build or read libnftnl objects.

#include <optional>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "nft/handle.hpp"

namespace cni::nft {

enum class AddrField { Source, Destination };  // saddr, daddr
enum class CmpOp { Eq, Neq };                  // ==, !=

/// A new expression of kind `name` ("cmp", "meta", ...); throws cni::Error on ENOMEM.
ExprPtr make_expr(const char* name);
/// Appends `e` to the rule (which takes it).
void append_expr(nftnl_rule& rule, ExprPtr e);
/// Appends `cmp <op> reg 1 <data>`.
void add_cmp(nftnl_rule& rule, CmpOp op, const void* data, std::uint32_t len);

/// Appends `meta nfproto ipv4|ipv6`: the match nft puts before an ip/ip6 header match in an
/// inet-family table (it is implicit in `nft list` output).
void add_nfproto_match(nftnl_rule& rule, net::Family family);

/// Appends `ip|ip6 saddr|daddr ==|!= <prefix>` (host bits of `prefix` ignored). A prefix
/// whose length is a non-zero multiple of 8 loads and compares just those bytes; any other
/// length loads the whole address and masks it first (nft's encoding).
void add_addr_match(nftnl_rule& rule, AddrField field, CmpOp op, const net::Prefix& prefix);

/// Appends `masquerade`.
void add_masquerade(nftnl_rule& rule);
/// Appends `return`.
void add_return(nftnl_rule& rule);
/// Appends `goto <chain>`.
void add_goto(nftnl_rule& rule, const std::string& chain);

/// Appends `meta iifname == "<name>"` (the name zero-padded to IFNAMSIZ, as nft encodes an
/// exact name).
void add_iifname_match(nftnl_rule& rule, const std::string& name);
/// Appends `ether saddr == <mac>` (6 bytes of the link-layer header at offset 6).
void add_ether_saddr_match(nftnl_rule& rule, const std::array<std::uint8_t, 6>& mac);
/// Appends `jump <chain>`.
void add_jump(nftnl_rule& rule, const std::string& chain);
/// Appends `drop`.
void add_drop(nftnl_rule& rule);
/// The chain the rule's `jump` or `goto` verdict names; nullopt when it has none.
std::optional<std::string> jump_target(const nftnl_rule& rule);
/// The name of the rule's first `meta iifname ==` match; nullopt when it has none.
std::optional<std::string> iifname_of(const nftnl_rule& rule);

/// One address match read back from a rule.
struct AddrMatch {
  AddrField field = AddrField::Source;
  CmpOp op = CmpOp::Eq;
  net::Prefix prefix;  // a full-length prefix for a single address
};

/// What a rule built from the functions above says.
struct RuleSummary {
  enum class Action { None, Masquerade, Return, Goto };
  std::optional<net::Family> nfproto;  // from `meta nfproto`
  std::vector<AddrMatch> matches;      // in rule order
  Action action = Action::None;
  std::string goto_chain;  // for Action::Goto
  bool unknown = false;    // some expression is none of the above
};

/// Decodes `rule` (also rules written by `nft` in the same shapes).
RuleSummary summarize(const nftnl_rule& rule);

}  // namespace cni::nft

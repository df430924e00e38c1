#include "nft/masq_layout.hpp"

#include <linux/netfilter.h>

#include <cerrno>

#include "nft/comment.hpp"
#include "nft/error.hpp"
#include "nft/match.hpp"

namespace cni::nft {
namespace {

// The reference's comments (knftables objects in ipmasq_nftables_linux.go).
constexpr char kTableComment[] =
    "Masquerading for plugins from github.com/containernetworking/plugins";
constexpr char kChainComment[] =
    "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet";
constexpr int kSrcnatPriority = 100;  // NF_IP_PRI_NAT_SRC, nft's "srcnat"

// "inet cni_plugins_masquerade ", the start of every object in nft syntax.
std::string nft_prefix() {
  return std::string("inet ") + kMasqTable + " ";
}

template <typename Ptr>
Ptr checked(Ptr p) {
  if (!p) throw nft_error(ENOMEM, "allocate nftables object");
  return p;
}

RulePtr rule_in(const char* chain) {
  auto r = checked(RulePtr(nftnl_rule_alloc()));
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kMasqTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain);
  return r;
}

ChainPtr chain_named(const char* name) {
  auto c = checked(ChainPtr(nftnl_chain_alloc()));
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kMasqTable);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name);
  return c;
}

const char* ip_keyword(net::Family f) {
  return f == net::Family::V4 ? "ip" : "ip6";
}

// `ip daddr <prefix> return` for the multicast range of the prefix's family.
Described<RulePtr> multicast_return(const char* prefix_text) {
  const auto prefix = net::Prefix::parse(prefix_text);
  auto r = rule_in(kMasqBaseChain);
  add_nfproto_match(*r, prefix->family());
  add_addr_match(*r, AddrField::Destination, CmpOp::Eq, *prefix);
  add_return(*r);
  return {std::move(r), "add rule " + nft_prefix() + kMasqBaseChain + " " +
                            ip_keyword(prefix->family()) + " daddr " + prefix_text + " return"};
}

bool is_full_length(const net::Prefix& p) {
  return p.length() == p.address().bit_length();
}

}  // namespace

Described<TablePtr> masq_table() {
  auto t = checked(TablePtr(nftnl_table_alloc()));
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kMasqTable);
  set_comment(*t, kTableComment);
  return {std::move(t), std::string("add table inet ") + kMasqTable};
}

Described<ChainPtr> masq_chain() {
  auto c = chain_named(kMasqChain);
  set_comment(*c, kChainComment);
  return {std::move(c), "add chain " + nft_prefix() + kMasqChain};
}

Described<ChainPtr> masq_base_chain() {
  auto c = chain_named(kMasqBaseChain);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "nat");
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
  nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, kSrcnatPriority);
  return {std::move(c), "add chain " + nft_prefix() + kMasqBaseChain +
                            " { type nat hook postrouting priority srcnat; }"};
}

Described<RulePtr> flush_base_chain() {
  return {rule_in(kMasqBaseChain), "flush chain " + nft_prefix() + kMasqBaseChain};
}

std::vector<Described<RulePtr>> masq_base_rules() {
  std::vector<Described<RulePtr>> rules;
  rules.push_back(multicast_return("224.0.0.0/4"));
  rules.push_back(multicast_return("ff00::/8"));
  auto jump = rule_in(kMasqBaseChain);
  add_goto(*jump, kMasqChain);
  rules.push_back(
      {std::move(jump), "add rule " + nft_prefix() + kMasqBaseChain + " goto " + kMasqChain});
  return rules;
}

Described<RulePtr> masq_rule(const MasqAttachment& a, const MasqAddress& addr) {
  const net::Prefix& p = addr.address_with_subnet_len;
  const net::IpAddress& ip = p.address();
  auto r = rule_in(kMasqChain);
  add_nfproto_match(*r, ip.family());
  add_addr_match(*r, AddrField::Source, CmpOp::Eq, net::Prefix(ip, ip.bit_length()));
  add_addr_match(*r, AddrField::Destination, CmpOp::Neq, p.network());
  add_masquerade(*r);
  const std::string comment = masq_comment(a);
  set_comment(*r, comment);
  const char* kw = ip_keyword(ip.family());
  return {std::move(r), "add rule " + nft_prefix() + kMasqChain + " " + kw + " saddr " +
                            ip.to_string() + " " + kw + " daddr != " + p.network().to_string() +
                            " masquerade comment \"" + comment + "\""};
}

Described<RulePtr> delete_by_handle(const std::string& chain, std::uint64_t handle) {
  auto r = rule_in(chain.c_str());
  nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, handle);
  return {std::move(r),
          "delete rule " + nft_prefix() + chain + " handle " + std::to_string(handle)};
}

std::optional<MasqRule> read_masq_rule(const ListedRule& listed) {
  if (!listed.comment) return std::nullopt;
  auto fields = parse_masq_comment(*listed.comment);
  if (!fields) return std::nullopt;
  const RuleSummary s = summarize(*listed.rule);
  if (s.unknown || s.action != RuleSummary::Action::Masquerade || !s.nfproto ||
      s.matches.size() != 2) {
    return std::nullopt;
  }
  const AddrMatch& src = s.matches[0];
  const AddrMatch& dst = s.matches[1];
  if (src.field != AddrField::Source || src.op != CmpOp::Eq || !is_full_length(src.prefix) ||
      dst.field != AddrField::Destination || dst.op != CmpOp::Neq) {
    return std::nullopt;
  }
  MasqRule out;
  out.address = src.prefix.address();
  out.subnet = dst.prefix;
  out.owner = std::move(fields->attachment);
  out.owner_verified = fields->verified;
  out.comment = *listed.comment;
  out.handle = listed.handle;
  return out;
}

bool is_masq_jump(const ListedRule& listed) {
  const RuleSummary s = summarize(*listed.rule);
  return !s.unknown && s.matches.empty() && !s.nfproto && s.action == RuleSummary::Action::Goto &&
         s.goto_chain == kMasqChain;
}

bool is_current_base_chain(const std::vector<ListedRule>& listed) {
  if (listed.size() != 3 || !is_masq_jump(listed[2])) return false;
  const char* multicast[] = {"224.0.0.0/4", "ff00::/8"};
  for (std::size_t i = 0; i < 2; ++i) {
    const RuleSummary s = summarize(*listed[i].rule);
    const auto want = net::Prefix::parse(multicast[i]);
    if (s.unknown || s.action != RuleSummary::Action::Return || s.nfproto != want->family() ||
        s.matches.size() != 1 || s.matches[0].field != AddrField::Destination ||
        s.matches[0].op != CmpOp::Eq || s.matches[0].prefix != *want) {
      return false;
    }
  }
  return true;
}

}  // namespace cni::nft

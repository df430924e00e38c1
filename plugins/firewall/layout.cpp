#include "layout.hpp"

#include <linux/netfilter.h>

#include <algorithm>
#include <cerrno>

#include "cni/error.hpp"
#include "nft/match.hpp"
#include "nft/xt.hpp"

namespace cni::firewall {
namespace {

constexpr char kRulesComment[] = "CNI firewall plugin rules";
constexpr char kAdminComment[] = "CNI firewall plugin admin overrides";
// The reference puts this comment on every isolation rule (withDefaultComment).
constexpr char kIsolationComment[] = "CNI firewall plugin rules (ingressPolicy: same-bridge)";
constexpr char kHashedPrefix[] = "cni-firewall ";

template <typename Ptr>
Ptr checked(Ptr p) {
  if (!p) throw Error(Code::Firewall, "allocate nftables object: out of memory");
  return p;
}

nft::RulePtr rule_in(net::Family f, const std::string& chain) {
  auto r = checked(nft::RulePtr(nftnl_rule_alloc()));
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, nfproto(f));
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  return r;
}

// iptables -S quoting of a comment: backslash before '"' and '\'.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Rule finish(net::Family f, nft::RulePtr r, const std::string& chain, const std::string& spec) {
  Rule out;
  out.signature = nft::rule_signature(*r);
  out.comment = nft::xt_comment_of(*r);
  out.rule = std::move(r);
  out.chain = chain;
  out.text =
      std::string(f == net::Family::V4 ? "iptables" : "ip6tables") + " -A " + chain + " " + spec;
  return out;
}

// A rule that jumps to `target` with only a comment as its match.
Rule commented_jump(net::Family f, const std::string& chain, const char* comment,
                    const std::string& target) {
  auto r = rule_in(f, chain);
  nft::add_xt_comment(*r, comment);
  nft::add_counter(*r);
  nft::add_jump(*r, target);
  return finish(f, std::move(r), chain,
                "-m comment --comment " + quoted(comment) + " -j " + target);
}

std::string readable_comment(const Owner& o) {
  return "name: \"" + o.network + "\" id: \"" + o.container_id + "\" if: \"" + o.ifname + "\"";
}

// (network, container ID, ifname) read back from a readable comment; nullopt for another shape.
std::optional<Owner> parse_readable(std::string_view c) {
  constexpr std::string_view kName = "name: \"", kId = "\" id: \"", kIf = "\" if: \"";
  // The closing '"' must come after the opening one (`name: "` alone is not a comment of ours).
  if (c.size() <= kName.size() || !c.starts_with(kName) || !c.ends_with('"')) return std::nullopt;
  c.remove_prefix(kName.size());
  c.remove_suffix(1);
  // Network names and container IDs hold no '"' (the skel checks their characters); an ifname
  // may, so it is everything after the first `" if: "`.
  const auto id_at = c.find(kId);
  if (id_at == std::string_view::npos) return std::nullopt;
  const auto if_at = c.find(kIf, id_at + kId.size());
  if (if_at == std::string_view::npos) return std::nullopt;
  Owner o;
  o.network = std::string(c.substr(0, id_at));
  o.container_id = std::string(c.substr(id_at + kId.size(), if_at - id_at - kId.size()));
  o.ifname = std::string(c.substr(if_at + kIf.size()));
  return o;
}

}  // namespace

std::uint16_t nfproto(net::Family f) {
  return f == net::Family::V4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

const char* family_name(net::Family f) {
  return f == net::Family::V4 ? "ip" : "ip6";
}

std::string owner_comment(const Owner& o) {
  std::string c = readable_comment(o);
  if (c.size() <= nft::kXtCommentMax) return c;
  return kHashedPrefix + nft::masq_instance_hash(o);
}

bool comment_of_network(std::string_view comment, const std::string& network) {
  if (comment.starts_with(kHashedPrefix)) {
    return comment.substr(sizeof kHashedPrefix - 1)
        .starts_with(nft::masq_network_hash(network) + "-");
  }
  auto o = parse_readable(comment);
  return o && o->network == network;
}

bool comment_is_one_of(std::string_view comment, const std::string& network,
                       const std::vector<std::pair<std::string, std::string>>& valid) {
  return std::any_of(valid.begin(), valid.end(), [&](const auto& a) {
    return comment == owner_comment(Owner{network, a.first, a.second});
  });
}

nft::TablePtr filter_table(net::Family f) {
  auto t = checked(nft::TablePtr(nftnl_table_alloc()));
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, nfproto(f));
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable);
  return t;
}

nft::ChainPtr user_chain(net::Family f, const std::string& name) {
  auto c = checked(nft::ChainPtr(nftnl_chain_alloc()));
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, nfproto(f));
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTable);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  return c;
}

nft::ChainPtr forward_chain(net::Family f) {
  auto c = user_chain(f, kForwardChain);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
  nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);  // NF_IP_PRI_FILTER
  return c;
}

Rule forward_jump(net::Family f) {
  return commented_jump(f, kForwardChain, kRulesComment, kPrivChain);
}

Rule admin_jump(net::Family f, const std::string& admin_chain) {
  return commented_jump(f, kPrivChain, kAdminComment, admin_chain);
}

std::vector<Rule> address_rules(const net::IpAddress& ip,
                                const std::optional<std::string>& comment) {
  const net::Family f = ip.family();
  const net::Prefix host(ip, ip.bit_length());
  const std::string addr = host.to_string();
  const std::string tail = comment ? "-m comment --comment " + quoted(*comment) + " " : "";
  std::vector<Rule> out;

  auto in = rule_in(f, kPrivChain);
  nft::add_addr_match(*in, nft::AddrField::Destination, nft::CmpOp::Eq, host);
  nft::add_xt_ctstate_related_established(*in);
  if (comment) nft::add_xt_comment(*in, *comment);
  nft::add_counter(*in);
  nft::add_accept(*in);
  out.push_back(
      finish(f, std::move(in), kPrivChain,
             "-d " + addr + " -m conntrack --ctstate RELATED,ESTABLISHED " + tail + "-j ACCEPT"));

  auto from = rule_in(f, kPrivChain);
  nft::add_addr_match(*from, nft::AddrField::Source, nft::CmpOp::Eq, host);
  if (comment) nft::add_xt_comment(*from, *comment);
  nft::add_counter(*from);
  nft::add_accept(*from);
  out.push_back(finish(f, std::move(from), kPrivChain, "-s " + addr + " " + tail + "-j ACCEPT"));

  // Ours only (the reference has no such rule): connections whose destination was translated
  // to the container, i.e. its published ports (portmap), pass a FORWARD policy of DROP too.
  if (comment) {
    auto dnat = rule_in(f, kPrivChain);
    nft::add_addr_match(*dnat, nft::AddrField::Destination, nft::CmpOp::Eq, host);
    nft::add_xt_ctstate_dnat(*dnat);
    nft::add_xt_comment(*dnat, *comment);
    nft::add_counter(*dnat);
    nft::add_accept(*dnat);
    out.push_back(finish(f, std::move(dnat), kPrivChain,
                         "-d " + addr + " -m conntrack --ctstate DNAT " + tail + "-j ACCEPT"));
  }
  return out;
}

Rule stage1_jump(net::Family f) {
  return commented_jump(f, kForwardChain, kIsolationComment, kStage1Chain);
}

Rule stage1_bridge(net::Family f, const std::string& bridge) {
  auto r = rule_in(f, kStage1Chain);
  nft::add_xt_ifname(*r, nft::IfDir::In, nft::CmpOp::Eq, bridge);
  nft::add_xt_ifname(*r, nft::IfDir::Out, nft::CmpOp::Neq, bridge);
  nft::add_xt_comment(*r, kIsolationComment);
  nft::add_counter(*r);
  nft::add_jump(*r, kStage2Chain);
  return finish(f, std::move(r), kStage1Chain,
                "-i " + bridge + " ! -o " + bridge + " -m comment --comment " +
                    quoted(kIsolationComment) + " -j " + kStage2Chain);
}

Rule stage1_isolated(net::Family f, const std::string& bridge) {
  auto r = rule_in(f, kStage1Chain);
  nft::add_xt_ifname(*r, nft::IfDir::In, nft::CmpOp::Eq, bridge);
  nft::add_xt_ifname(*r, nft::IfDir::Out, nft::CmpOp::Eq, bridge);
  nft::add_xt_comment(*r, kIsolationComment);
  nft::add_counter(*r);
  nft::add_drop(*r);
  return finish(f, std::move(r), kStage1Chain,
                "-i " + bridge + " -o " + bridge + " -m comment --comment " +
                    quoted(kIsolationComment) + " -j DROP");
}

Rule stage_return(net::Family f, const char* chain) {
  auto r = rule_in(f, chain);
  nft::add_xt_comment(*r, kIsolationComment);
  nft::add_counter(*r);
  nft::add_return(*r);
  return finish(f, std::move(r), chain,
                "-m comment --comment " + quoted(kIsolationComment) + " -j RETURN");
}

Rule stage2_bridge(net::Family f, const std::string& bridge) {
  auto r = rule_in(f, kStage2Chain);
  nft::add_xt_ifname(*r, nft::IfDir::Out, nft::CmpOp::Eq, bridge);
  nft::add_xt_comment(*r, kIsolationComment);
  nft::add_counter(*r);
  nft::add_drop(*r);
  return finish(f, std::move(r), kStage2Chain,
                "-o " + bridge + " -m comment --comment " + quoted(kIsolationComment) + " -j DROP");
}

Rule delete_by_handle(net::Family f, const std::string& chain, std::uint64_t handle) {
  auto r = rule_in(f, chain);
  nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, handle);
  Rule out;
  out.rule = std::move(r);
  out.chain = chain;
  out.text = std::string("delete rule ") + family_name(f) + " filter " + chain + " handle " +
             std::to_string(handle);
  return out;
}

}  // namespace cni::firewall

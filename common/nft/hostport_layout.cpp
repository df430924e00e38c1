#include "nft/hostport_layout.hpp"

// <netinet/in.h> before the kernel headers, which otherwise define in_addr first.
#include <netinet/in.h>
// NOLINTNEXTLINE(llvm-include-order)
#include <linux/netfilter.h>

#include <cerrno>
#include <cstring>

#include "nft/comment.hpp"
#include "nft/error.hpp"
#include "nft/nat_expr.hpp"
#include "nft/rule_tag.hpp"

namespace cni::nft {
namespace {

constexpr char kTableComment[] = "CNI portmap plugin";
constexpr int kDstnatPriority = -100;  // NF_IP_PRI_NAT_DST, nft's "dstnat"
constexpr int kSrcnatPriority = 100;   // NF_IP_PRI_NAT_SRC, nft's "srcnat"

template <typename Ptr>
Ptr checked(Ptr p) {
  if (!p) throw nft_error(ENOMEM, "allocate nftables object");
  return p;
}

std::string prefix_of(net::Family f) {
  return std::string(family_keyword(f)) + " " + kHostportTable + " ";
}

RulePtr rule_in(net::Family f, const char* chain) {
  auto r = checked(RulePtr(nftnl_rule_alloc()));
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, nfproto(f));
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kHostportTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain);
  return r;
}

Described<RulePtr> jump_rule(net::Family f, const char* chain, const char* target, bool fib) {
  auto r = rule_in(f, chain);
  if (fib) add_fib_daddr_local(*r);
  add_jump(*r, target);
  return {std::move(r), "add rule " + prefix_of(f) + chain + (fib ? " fib daddr type local" : "") +
                            " jump " + target};
}

std::string addr_text(const net::IpAddress& a) {
  return a.to_string();
}

std::string condition_text(net::Family f, const Condition& c) {
  const char* op = c.op == CmpOp::Eq ? " " : " != ";
  switch (c.kind) {
    case Condition::Kind::Saddr:
      return std::string(family_keyword(f)) + " saddr" + op + c.prefix.to_string();
    case Condition::Kind::Daddr:
      return std::string(family_keyword(f)) + " daddr" + op + c.prefix.to_string();
    case Condition::Kind::Iifname:
      return std::string("iifname") + op + "\"" + c.ifname + "\"";
    case Condition::Kind::Oifname:
      return std::string("oifname") + op + "\"" + c.ifname + "\"";
  }
  return {};
}

void add_condition(nftnl_rule& r, const Condition& c) {
  switch (c.kind) {
    case Condition::Kind::Saddr:
      add_addr_match(r, AddrField::Source, c.op, c.prefix);
      break;
    case Condition::Kind::Daddr:
      add_addr_match(r, AddrField::Destination, c.op, c.prefix);
      break;
    case Condition::Kind::Iifname:
      add_ifname_match(r, true, c.op, c.ifname);
      break;
    case Condition::Kind::Oifname:
      add_ifname_match(r, false, c.op, c.ifname);
      break;
  }
}

net::Prefix host_prefix(const net::IpAddress& a) {
  return net::Prefix(a, a.bit_length());
}

}  // namespace

const char* family_keyword(net::Family f) {
  return f == net::Family::V4 ? "ip" : "ip6";
}

std::uint16_t nfproto(net::Family f) {
  return f == net::Family::V4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

std::string proto_name(std::uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_SCTP:
      return "sctp";
    default:
      return "protocol " + std::to_string(proto);
  }
}

Described<TablePtr> hostport_table(net::Family f) {
  auto t = checked(TablePtr(nftnl_table_alloc()));
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, nfproto(f));
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kHostportTable);
  set_comment(*t, kTableComment);
  return {std::move(t), std::string("add table ") + family_keyword(f) + " " + kHostportTable};
}

Described<ChainPtr> hostport_chain(net::Family f, const char* name) {
  auto c = checked(ChainPtr(nftnl_chain_alloc()));
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, nfproto(f));
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kHostportTable);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name);
  std::string op = "add chain " + prefix_of(f) + name;
  int hook = -1;
  int prio = kDstnatPriority;
  const char* hook_name = "";
  if (std::strcmp(name, kHostportPrerouting) == 0) {
    hook = NF_INET_PRE_ROUTING;
    hook_name = "prerouting";
  } else if (std::strcmp(name, kHostportOutput) == 0) {
    hook = NF_INET_LOCAL_OUT;
    hook_name = "output";
  } else if (std::strcmp(name, kHostportMasqChain) == 0) {
    hook = NF_INET_POST_ROUTING;
    hook_name = "postrouting";
    prio = kSrcnatPriority;
  }
  if (hook >= 0) {
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "nat");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, static_cast<std::uint32_t>(hook));
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, prio);
    op +=
        std::string(" { type nat hook ") + hook_name + " priority " + std::to_string(prio) + "; }";
  }
  return {std::move(c), std::move(op)};
}

Described<RulePtr> flush_hostport_chain(net::Family f, const char* name) {
  return {rule_in(f, name), "flush chain " + prefix_of(f) + name};
}

std::vector<Described<RulePtr>> fixed_rules(net::Family f, const char* chain) {
  std::vector<Described<RulePtr>> out;
  if (std::strcmp(chain, kHostportsAllChain) == 0) {
    out.push_back(jump_rule(f, chain, kHostipHostportsChain, false));
    out.push_back(jump_rule(f, chain, kHostportsChain, false));
  } else {
    out.push_back(jump_rule(f, chain, kHostportsAllChain, true));
  }
  for (auto& r : out)
    set_tag(*r.object, kIndexedLayoutTag);
  return out;
}

Described<RulePtr> dnat_rule(const HostportPlan& plan, const PortMapping& m,
                             const MasqAttachment& owner) {
  const net::Family f = plan.family();
  const net::IpAddress& to = plan.container.address();
  auto r = rule_in(f, kHostportsChain);
  std::string text;
  for (const auto& c : plan.conditions) {
    add_condition(*r, c);
    text += condition_text(f, c) + " ";
  }
  if (m.host_ip) {
    add_addr_match(*r, AddrField::Destination, CmpOp::Eq, host_prefix(*m.host_ip));
    text += std::string(family_keyword(f)) + " daddr " + addr_text(*m.host_ip) + " ";
  }
  add_l4proto_match(*r, m.proto);
  add_dport_match(*r, m.host_port);
  add_dnat(*r, to, m.container_port);
  set_comment_and_tag(*r, owner.container_id, masq_instance_hash(owner));
  const std::string target = f == net::Family::V4 ? addr_text(to) : "[" + addr_text(to) + "]";
  text += proto_name(m.proto) + " dport " + std::to_string(m.host_port) + " dnat to " + target +
          ":" + std::to_string(m.container_port) + " comment \"" + owner.container_id + "\"";
  return {std::move(r), "add rule " + prefix_of(f) + kHostportsChain + " " + text};
}

std::vector<Described<RulePtr>> hostport_masq_rules(const HostportPlan& plan,
                                                    const MasqAttachment& owner) {
  std::vector<Described<RulePtr>> out;
  if (!plan.snat) return out;
  const net::Family f = plan.family();
  const char* kw = family_keyword(f);
  const net::IpAddress& c = plan.container.address();
  const std::string tail = " masquerade comment \"" + owner.container_id + "\"";
  const std::string op = "add rule " + prefix_of(f) + kHostportMasqChain + " ";
  const std::string tag = masq_instance_hash(owner);

  // Hairpin: a container on the same subnet (this one included) reaching the published port
  // through a host address; only DNATed connections, so plain bridged traffic stays as is
  // where br_netfilter shows it to this hook. masqAll: from anywhere.
  auto hairpin = rule_in(f, kHostportMasqChain);
  std::string text;
  if (!plan.masq_all) {
    add_addr_match(*hairpin, AddrField::Source, CmpOp::Eq, plan.container.network());
    text += std::string(kw) + " saddr " + plan.container.network().to_string() + " ";
  }
  add_addr_match(*hairpin, AddrField::Destination, CmpOp::Eq, host_prefix(c));
  add_ct_status_dnat(*hairpin);
  add_masquerade(*hairpin);
  set_comment_and_tag(*hairpin, owner.container_id, tag);
  text += std::string(kw) + " daddr " + c.to_string() + " ct status dnat";
  out.push_back({std::move(hairpin), op + text + tail});

  // The host's own 127.0.0.1 (route_localnet lets it out on the bridge): the reference's rule.
  if (f == net::Family::V4 && !plan.masq_all) {
    auto local = rule_in(f, kHostportMasqChain);
    const auto lo = *net::IpAddress::parse("127.0.0.1");
    add_addr_match(*local, AddrField::Source, CmpOp::Eq, host_prefix(lo));
    add_addr_match(*local, AddrField::Destination, CmpOp::Eq, host_prefix(c));
    add_masquerade(*local);
    set_comment_and_tag(*local, owner.container_id, tag);
    out.push_back({std::move(local), op + "ip saddr 127.0.0.1 ip daddr " + c.to_string() + tail});
  }
  return out;
}

Described<RulePtr> delete_hostport_rule(net::Family f, const std::string& chain,
                                        std::uint64_t handle) {
  auto r = rule_in(f, chain.c_str());
  nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, handle);
  return {std::move(r),
          "delete rule " + prefix_of(f) + chain + " handle " + std::to_string(handle)};
}

bool same_rules(const std::vector<ListedRule>& listed,
                const std::vector<Described<RulePtr>>& built) {
  if (listed.size() != built.size()) return false;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    if (expr_texts(*listed[i].rule) != expr_texts(*built[i].object)) return false;
    if (tag_of(*listed[i].rule) != tag_of(*built[i].object)) return false;
  }
  return true;
}

}  // namespace cni::nft

#include "nft/hostports.hpp"

// <netinet/in.h> before the kernel headers, which otherwise define in_addr first.
#include <netinet/in.h>
// NOLINTNEXTLINE(llvm-include-order)
#include <linux/netfilter.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <set>

#include "nft/batch.hpp"
#include "nft/nat_expr.hpp"
#include "nft/rule_tag.hpp"
#include "nft/socket.hpp"
#include "nft/transact.hpp"

namespace cni::nft {
namespace {

constexpr const char* kOwnedChains[] = {kHostportsChain, kHostipHostportsChain, kHostportMasqChain};
constexpr net::Family kFamilies[] = {net::Family::V4, net::Family::V6};

std::vector<ListedRule> list_chain(Socket& sock, net::Family f, const char* chain) {
  return list_rules(sock, nfproto(f), kHostportTable, chain);
}

std::vector<RawRule> list_owned_chain(Socket& sock, net::Family f, const char* chain) {
  return list_raw_rules(sock, nfproto(f), kHostportTable, chain);
}

// The attachment's rules: its tag, or the container's comment without a tag (the reference's).
bool owned_by(const RawRule& r, const MasqAttachment& owner, const std::string& tag) {
  if (!r.comment || *r.comment != owner.container_id) return false;
  return !r.tag || *r.tag == tag;
}

// The chains of one family as listed once per attempt: every decision of a transaction is
// taken on one listing (each dump costs O(rules)). The containers' chains, which grow with the
// host's mappings, are read lazily (RawRule): only their handles and comments and tags are
// decoded, and a rule's expressions only when it may conflict (find_conflict).
struct Snapshot {
  net::Family family = net::Family::V4;
  std::vector<RawRule> owned[3];     // hostports, hostip_hostports, masquerading
  std::vector<ListedRule> fixed[3];  // hostports_all, prerouting, output
};
constexpr const char* kFixedChains[] = {kHostportsAllChain, kHostportPrerouting, kHostportOutput};

Snapshot snapshot(Socket& sock, net::Family f, bool with_fixed) {
  Snapshot s{.family = f};
  for (std::size_t i = 0; i < 3; ++i) {
    s.owned[i] = list_owned_chain(sock, f, kOwnedChains[i]);
    if (with_fixed) s.fixed[i] = list_chain(sock, f, kFixedChains[i]);
  }
  return s;
}

void delete_matching(Batch& batch, const Snapshot& s,
                     const std::function<bool(const RawRule&)>& pred) {
  for (std::size_t i = 0; i < 3; ++i) {
    for (const auto& r : s.owned[i]) {
      if (!pred(r)) continue;
      auto del = delete_hostport_rule(s.family, kOwnedChains[i], r.handle);
      batch.delete_rule(*del.object, std::move(del.op));
    }
  }
}

bool host_ips_overlap(const std::optional<net::IpAddress>& a,
                      const std::optional<net::IpAddress>& b) {
  return !a || !b || *a == *b;
}

std::optional<HostportConflict> find_conflict(const Snapshot& s, const MasqAttachment& owner,
                                              const HostportPlan& plan) {
  for (std::size_t i = 0; i < 2; ++i) {  // hostports, hostip_hostports
    for (const auto& r : s.owned[i]) {
      // Another network of the same container may publish the same port (a runtime sends the
      // mappings to every network of a container): the first rule wins, as in the reference.
      if (r.comment && *r.comment == owner.container_id) continue;
      // A rule that compares with none of the plan's ports cannot conflict: only the others'
      // expressions are parsed (a port match is `cmp` with the port's 2 bytes).
      const bool may_conflict =
          std::any_of(plan.mappings.begin(), plan.mappings.end(), [&](const PortMapping& m) {
            const char port[] = {static_cast<char>(m.host_port >> 8),
                                 static_cast<char>(m.host_port & 0xff)};
            return r.compares_with(std::string_view(port, sizeof port));
          });
      if (!may_conflict) continue;
      const auto v = read_dnat(*r.parse(), s.family);
      if (!v) continue;
      for (const auto& m : plan.mappings) {
        if (m.proto != v->proto || m.host_port != v->port || !host_ips_overlap(m.host_ip, v->daddr))
          continue;
        std::string what = proto_name(v->proto) + " port " + std::to_string(v->port);
        if (v->daddr) what += " on " + v->daddr->to_string();
        if (v->to_addr)
          what += " (to " + v->to_addr->to_string() + ":" + std::to_string(v->to_port) + ")";
        return HostportConflict{
            .mapping_index = m.index, .container_id = r.comment.value_or("?"), .rule = what};
      }
    }
  }
  return std::nullopt;
}

// The table and chains are (re)declared and the fixed chains rewritten only when they are not
// already exactly the layout (the reference rewrites them on every ADD): a batch that only
// adds and deletes rules spares the ~10-20 ms the kernel otherwise makes the closing of our
// socket wait (an RCU grace period for the replaced chain objects), and conditions live in
// each container's own rules, not here.
void ensure_layout(Batch& batch, const Snapshot& s, bool snat) {
  const net::Family f = s.family;
  bool in_place = true;
  std::vector<std::vector<Described<RulePtr>>> want;
  for (std::size_t i = 0; i < 3; ++i) {
    want.push_back(fixed_rules(f, kFixedChains[i]));
    in_place = in_place && same_rules(s.fixed[i], want.back());
  }
  // hostports_all jumping to both regular chains proves they exist; masquerading is known to
  // exist once it holds a rule.
  if (in_place && (!snat || !s.owned[2].empty())) return;
  auto table = hostport_table(f);
  batch.add_table(*table.object, std::move(table.op));
  for (const char* name : {kHostportsChain, kHostipHostportsChain, kHostportsAllChain,
                           kHostportPrerouting, kHostportOutput}) {
    auto chain = hostport_chain(f, name);
    batch.add_chain(*chain.object, std::move(chain.op));
  }
  if (snat) {
    auto chain = hostport_chain(f, kHostportMasqChain);
    batch.add_chain(*chain.object, std::move(chain.op));
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (same_rules(s.fixed[i], want[i])) continue;
    auto flush = flush_hostport_chain(f, kFixedChains[i]);
    batch.delete_rule(*flush.object, std::move(flush.op));
    for (auto& r : want[i])
      batch.add_rule(*r.object, std::move(r.op));
  }
}

}  // namespace

std::optional<HostportConflict> setup_hostports(const MasqAttachment& owner,
                                                const std::vector<HostportPlan>& plans) {
  const std::string tag = masq_instance_hash(owner);
  std::optional<HostportConflict> conflict;
  // Both families in one transaction: all or nothing, and one wait for the kernel at most.
  transact([&](Socket& sock, Batch& batch) {
    std::vector<Snapshot> snaps;
    for (const auto& plan : plans) {
      snaps.push_back(snapshot(sock, plan.family(), true));
      conflict = find_conflict(snaps.back(), owner, plan);
      if (conflict) return;  // nothing in the batch: nothing is sent
    }
    for (std::size_t k = 0; k < plans.size(); ++k) {
      const auto& plan = plans[k];
      ensure_layout(batch, snaps[k], plan.snat);
      delete_matching(batch, snaps[k], [&](const RawRule& r) { return owned_by(r, owner, tag); });
      for (const auto& m : plan.mappings) {
        auto rule = dnat_rule(plan, m, owner);
        batch.add_rule(*rule.object, std::move(rule.op));
      }
      for (auto& rule : hostport_masq_rules(plan, owner))
        batch.add_rule(*rule.object, std::move(rule.op));
    }
  });
  return conflict;
}

void teardown_hostports(const MasqAttachment& owner) {
  const std::string tag = masq_instance_hash(owner);
  transact([&](Socket& sock, Batch& batch) {
    for (const net::Family f : kFamilies) {
      delete_matching(batch, snapshot(sock, f, false),
                      [&](const RawRule& r) { return owned_by(r, owner, tag); });
    }
  });
}

void gc_hostports(std::string_view network,
                  const std::vector<std::pair<std::string, std::string>>& valid_attachments) {
  const std::string network_tag = masq_network_hash(network) + "-";
  std::set<std::string> valid;
  for (const auto& [container_id, ifname] : valid_attachments)
    valid.insert(masq_instance_hash({std::string(network), container_id, ifname}));
  transact([&](Socket& sock, Batch& batch) {
    for (const net::Family f : kFamilies) {
      delete_matching(batch, snapshot(sock, f, false), [&](const RawRule& r) {
        return r.tag && r.tag->starts_with(network_tag) && !valid.contains(*r.tag);
      });
    }
  });
}

std::optional<std::string> hostports_missing(const MasqAttachment& owner,
                                             const std::vector<HostportPlan>& plans) {
  Socket sock;
  const std::string tag = masq_instance_hash(owner);
  for (const auto& plan : plans) {
    const net::Family f = plan.family();
    const std::string where = std::string(family_keyword(f)) + " " + kHostportTable + " ";
    auto jumps_to = [&](const char* chain, const char* target) {
      const auto rules = list_chain(sock, f, chain);
      return std::any_of(rules.begin(), rules.end(), [&](const ListedRule& r) {
        const auto texts = expr_texts(*r.rule);
        return !texts.empty() &&
               texts.back().find(std::string("-> ") + target) != std::string::npos;
      });
    };
    if (!jumps_to(kHostportPrerouting, kHostportsAllChain))
      return where + "prerouting does not jump to hostports_all";
    if (!jumps_to(kHostportOutput, kHostportsAllChain))
      return where + "output does not jump to hostports_all";
    if (!jumps_to(kHostportsAllChain, kHostportsChain))
      return where + "hostports_all does not jump to hostports";
    auto has = [&](const char* chain, const Described<RulePtr>& want) {
      const auto rules = list_owned_chain(sock, f, chain);
      return std::any_of(rules.begin(), rules.end(), [&](const RawRule& r) {
        return owned_by(r, owner, tag) && expr_texts(*r.parse()) == expr_texts(*want.object);
      });
    };
    for (const auto& m : plan.mappings) {
      auto want = dnat_rule(plan, m, owner);
      if (!has(kHostportsChain, want)) return "missing rule: " + want.op.substr(9);
    }
    for (const auto& want : hostport_masq_rules(plan, owner))
      if (!has(kHostportMasqChain, want)) return "missing rule: " + want.op.substr(9);
  }
  return std::nullopt;
}

std::optional<std::string> hostport_features_missing(net::Family f) {
  Socket sock;
  const std::string table = "cni_hostport_probe_" + std::to_string(getpid());
  const std::uint16_t family = nfproto(f);
  const char* kw = family_keyword(f);
  auto chain = [&](const char* name, std::uint32_t hook, int prio) {
    ChainPtr c(nftnl_chain_alloc());
    if (!c) throw cni::Error(Code::Firewall, "allocate nftables chain: out of memory");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, family);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "nat");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, prio);
    return c;
  };
  auto rule = [&](const char* chain_name) {
    RulePtr r(nftnl_rule_alloc());
    if (!r) throw cni::Error(Code::Firewall, "allocate nftables rule: out of memory");
    nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, family);
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table.c_str());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain_name);
    return r;
  };
  const net::IpAddress any = f == net::Family::V4 ? *net::IpAddress::parse("192.0.2.1")
                                                  : *net::IpAddress::parse("2001:db8::1");
  Batch batch(sock);
  TablePtr t(nftnl_table_alloc());
  if (!t) throw cni::Error(Code::Firewall, "allocate nftables table: out of memory");
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, family);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, table.c_str());
  batch.add_table(*t, std::string(kw) + " nftables tables");
  batch.add_chain(*chain("pre", NF_INET_PRE_ROUTING, -100), std::string(kw) + " nat chains");
  batch.add_chain(*chain("post", NF_INET_POST_ROUTING, 100), std::string(kw) + " nat chains");
  auto fib = rule("pre");
  add_fib_daddr_local(*fib);
  batch.add_rule(*fib, std::string(kw) + " fib expression (fib daddr type local)");
  auto dnat = rule("pre");
  add_l4proto_match(*dnat, IPPROTO_TCP);
  add_dport_match(*dnat, 1);
  add_dnat(*dnat, any, 1);
  batch.add_rule(*dnat, std::string(kw) + " nat expression (dnat)");
  auto ct = rule("post");
  add_ct_status_dnat(*ct);
  batch.add_rule(*ct, std::string(kw) + " ct expression (ct status)");
  auto masq = rule("post");
  add_masquerade(*masq);
  batch.add_rule(*masq, std::string(kw) + " masq expression (masquerade)");
  batch.delete_table(*t, "delete probe table");
  auto failure = batch.try_commit();
  if (!failure) return std::nullopt;
  return failure->op + " unavailable: " + failure->to_error().msg().substr(failure->op.size() + 2);
}

}  // namespace cni::nft

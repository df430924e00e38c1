#include "nft/hostports.hpp"

// <netinet/in.h> before the kernel headers, which otherwise define in_addr first.
#include <netinet/in.h>
// NOLINTNEXTLINE(llvm-include-order)
#include <linux/netfilter.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <set>

#include "nft/batch.hpp"
#include "nft/hostport_index.hpp"
#include "nft/nat_expr.hpp"
#include "nft/rule_tag.hpp"
#include "nft/sets.hpp"
#include "nft/socket.hpp"
#include "nft/transact.hpp"

namespace cni::nft {
namespace {

constexpr const char* kOwnedChains[] = {kHostportsChain, kHostipHostportsChain, kHostportMasqChain};
constexpr const char* kFixedChains[] = {kHostportsAllChain, kHostportPrerouting, kHostportOutput};
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

// The containers' chains of one family (hostports, hostip_hostports, masquerading), which grow
// with the host's mappings, listed once per attempt and read lazily (RawRule): only handles,
// comments and tags are decoded, and a rule's expressions only when needed.
struct OwnedRules {
  net::Family family = net::Family::V4;
  std::array<std::vector<RawRule>, 3> chains;
};

OwnedRules list_owned(Socket& sock, net::Family f) {
  OwnedRules o{.family = f};
  for (std::size_t i = 0; i < 3; ++i)
    o.chains[i] = list_owned_chain(sock, f, kOwnedChains[i]);
  return o;
}

// The chains the layout fixes, as found.
struct Layout {
  net::Family family = net::Family::V4;
  std::array<std::vector<ListedRule>, 3> fixed;  // hostports_all, prerouting, output
  bool in_place = false;                         // exactly our rules, tags included
  bool masq_chain = false;                       // masquerading exists (or is not needed)
  bool indexed = false;  // in place, and both index sets exist: the index is whole
};

Layout read_layout(Socket& sock, net::Family f, bool snat) {
  Layout l{.family = f, .in_place = true};
  for (std::size_t i = 0; i < 3; ++i) {
    l.fixed[i] = list_chain(sock, f, kFixedChains[i]);
    l.in_place = l.in_place && same_rules(l.fixed[i], fixed_rules(f, kFixedChains[i]));
  }
  l.masq_chain = !snat || chain_exists(sock, nfproto(f), kHostportTable, kHostportMasqChain);
  l.indexed = l.in_place && set_exists(sock, hostport_index_set(f, kPublishedPortsSet)) &&
              set_exists(sock, hostport_index_set(f, kAttachmentsSet));
  return l;
}

// Deletes the rules `pred` picks; returns their handles (unique in a table).
std::set<std::uint64_t> delete_matching(Batch& batch, const OwnedRules& o,
                                        const std::function<bool(const RawRule&)>& pred) {
  std::set<std::uint64_t> deleted;
  for (std::size_t i = 0; i < 3; ++i) {
    for (const auto& r : o.chains[i]) {
      if (!pred(r)) continue;
      auto del = delete_hostport_rule(o.family, kOwnedChains[i], r.handle);
      batch.delete_rule(*del.object, std::move(del.op));
      deleted.insert(r.handle);
    }
  }
  return deleted;
}

bool host_ips_overlap(const std::optional<net::IpAddress>& a,
                      const std::optional<net::IpAddress>& b) {
  return !a || !b || *a == *b;
}

// A port match is `cmp` with the port's 2 bytes: a rule without them cannot match the port.
std::string port_bytes(std::uint16_t port) {
  return {static_cast<char>(port >> 8), static_cast<char>(port & 0xff)};
}

std::optional<HostportConflict> find_conflict(const OwnedRules& o, const MasqAttachment& owner,
                                              const HostportPlan& plan) {
  for (std::size_t i = 0; i < 2; ++i) {  // hostports, hostip_hostports
    for (const auto& r : o.chains[i]) {
      // Another network of the same container may publish the same port (a runtime sends the
      // mappings to every network of a container): the first rule wins, as in the reference.
      if (r.comment && *r.comment == owner.container_id) continue;
      // Only the rules that compare with one of the plan's ports are parsed.
      const bool may_conflict = std::any_of(
          plan.mappings.begin(), plan.mappings.end(),
          [&](const PortMapping& m) { return r.compares_with(port_bytes(m.host_port)); });
      if (!may_conflict) continue;
      const auto v = read_dnat(*r.parse(), o.family);
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

// Whether the index shows that no rule on the host matters to this ADD: none publishes one of
// its (protocol, port) pairs, and the attachment (or, by the reference's rules, the container)
// has none yet. Asked only when the index is whole.
bool index_clear(Socket& sock, const HostportPlan& plan, const MasqAttachment& owner,
                 const std::string& tag) {
  const net::Family f = plan.family();
  const SetName ports = hostport_index_set(f, kPublishedPortsSet);
  for (const auto& m : plan.mappings)
    if (set_has_element(sock, ports, published_port_key(m.proto, m.host_port))) return false;
  const SetName owners = hostport_index_set(f, kAttachmentsSet);
  return !set_has_element(sock, owners, tagged_owner_key(tag)) &&
         !set_has_element(sock, owners, untagged_owner_key(owner.container_id));
}

// The whole index of the listed rules that stay (not in `deleted`): a rebuild's elements.
void index_all(const OwnedRules& o, const std::set<std::uint64_t>& deleted,
               HostportIndexChanges& idx) {
  for (std::size_t i = 0; i < 3; ++i) {
    for (const auto& r : o.chains[i]) {
      if (deleted.contains(r.handle)) continue;
      if (auto k = owner_key_of(r)) idx.add_owners.insert(*k);
      if (i == 2) continue;  // masquerading publishes no port
      if (const auto v = read_dnat(*r.parse(), o.family))
        idx.add_ports.insert(published_port_key(v->proto, v->port));
    }
  }
}

// Whether a listed rule that stays publishes (proto, port).
bool still_published(const OwnedRules& o, const std::set<std::uint64_t>& deleted,
                     std::uint8_t proto, std::uint16_t port) {
  for (std::size_t i = 0; i < 2; ++i) {
    for (const auto& r : o.chains[i]) {
      if (deleted.contains(r.handle) || !r.compares_with(port_bytes(port))) continue;
      const auto v = read_dnat(*r.parse(), o.family);
      if (v && v->proto == proto && v->port == port) return true;
    }
  }
  return false;
}

// The elements that only the deleted rules needed: their owners, and the ports no staying rule
// publishes; each only when present (deleting a missing element fails the whole batch).
// Nothing when the index does not exist.
void forget(Socket& sock, const OwnedRules& o, const std::set<std::uint64_t>& deleted,
            HostportIndexChanges& idx) {
  if (deleted.empty()) return;
  const SetName ports = hostport_index_set(o.family, kPublishedPortsSet);
  const SetName owners = hostport_index_set(o.family, kAttachmentsSet);
  if (!set_exists(sock, ports) || !set_exists(sock, owners)) return;
  std::set<std::string> owner_keys;
  std::set<std::pair<std::uint8_t, std::uint16_t>> published;
  for (std::size_t i = 0; i < 3; ++i) {
    for (const auto& r : o.chains[i]) {
      if (!deleted.contains(r.handle)) continue;
      if (auto k = owner_key_of(r)) owner_keys.insert(*k);
      if (i == 2) continue;
      if (const auto v = read_dnat(*r.parse(), o.family)) published.emplace(v->proto, v->port);
    }
  }
  for (const auto& [proto, port] : published) {
    const std::string key = published_port_key(proto, port);
    if (!still_published(o, deleted, proto, port) && set_has_element(sock, ports, key))
      idx.delete_ports.insert(key);
  }
  // An owner key of a staying rule could be deleted only by a 32-bit hash collision, which
  // costs nothing worse than an ADD that skips the full listing.
  for (const auto& key : owner_keys)
    if (set_has_element(sock, owners, key)) idx.delete_owners.insert(key);
}

// The table and chains are (re)declared and the fixed chains rewritten only when they are not
// already exactly the layout (the reference rewrites them on every ADD): a batch that only
// adds and deletes rules spares the kernel's RCU wait for the replaced chain objects, and
// conditions live in each container's own rules, not here.
void ensure_layout(Batch& batch, const Layout& l, bool snat) {
  if (l.in_place && l.masq_chain) return;
  const net::Family f = l.family;
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
    auto want = fixed_rules(f, kFixedChains[i]);
    if (same_rules(l.fixed[i], want)) continue;
    auto flush = flush_hostport_chain(f, kFixedChains[i]);
    batch.delete_rule(*flush.object, std::move(flush.op));
    for (auto& r : want)
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
    conflict.reset();  // decided again on each attempt's reading
    struct FamilyState {
      Layout layout;
      std::optional<OwnedRules> owned;  // listed unless the index answered
    };
    std::vector<FamilyState> families;
    for (const auto& plan : plans) {
      FamilyState fam{.layout = read_layout(sock, plan.family(), plan.snat)};
      // The host's rules are listed (a cost that grows with them) only when the index is not
      // whole, or shows something that needs a closer look: a port in use, earlier rules.
      if (!fam.layout.indexed || !fam.layout.masq_chain || !index_clear(sock, plan, owner, tag)) {
        fam.owned = list_owned(sock, plan.family());
        conflict = find_conflict(*fam.owned, owner, plan);
        if (conflict) return;  // nothing in the batch: nothing is sent
      }
      families.push_back(std::move(fam));
    }
    for (std::size_t k = 0; k < plans.size(); ++k) {
      const auto& plan = plans[k];
      const FamilyState& fam = families[k];
      ensure_layout(batch, fam.layout, plan.snat);
      HostportIndexChanges idx;
      if (fam.owned) {
        const auto deleted = delete_matching(
            batch, *fam.owned, [&](const RawRule& r) { return owned_by(r, owner, tag); });
        // Not whole: rebuilt from the listing in the same transaction (that makes it whole).
        if (!fam.layout.indexed) {
          idx.rebuild = true;
          index_all(*fam.owned, deleted, idx);
        }
      }
      for (const auto& m : plan.mappings) {
        auto rule = dnat_rule(plan, m, owner);
        batch.add_rule(*rule.object, std::move(rule.op));
        idx.add_ports.insert(published_port_key(m.proto, m.host_port));
      }
      for (auto& rule : hostport_masq_rules(plan, owner))
        batch.add_rule(*rule.object, std::move(rule.op));
      idx.add_owners.insert(tagged_owner_key(tag));
      idx.put(batch, plan.family());
    }
  });
  return conflict;
}

void teardown_hostports(const MasqAttachment& owner) {
  const std::string tag = masq_instance_hash(owner);
  transact([&](Socket& sock, Batch& batch) {
    for (const net::Family f : kFamilies) {
      const OwnedRules o = list_owned(sock, f);
      const auto deleted =
          delete_matching(batch, o, [&](const RawRule& r) { return owned_by(r, owner, tag); });
      HostportIndexChanges idx;
      forget(sock, o, deleted, idx);
      idx.put(batch, f);
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
      const OwnedRules o = list_owned(sock, f);
      const auto deleted = delete_matching(batch, o, [&](const RawRule& r) {
        return r.tag && r.tag->starts_with(network_tag) && !valid.contains(*r.tag);
      });
      HostportIndexChanges idx;
      forget(sock, o, deleted, idx);
      idx.put(batch, f);
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
    // When the index is trusted, it must know the attachment: a missing element would let
    // another container publish the same port unnoticed.
    if (!read_layout(sock, f, false).indexed) continue;
    const SetName ports = hostport_index_set(f, kPublishedPortsSet);
    for (const auto& m : plan.mappings) {
      if (!set_has_element(sock, ports, published_port_key(m.proto, m.host_port))) {
        return where + "set " + kPublishedPortsSet + " lacks element " + proto_name(m.proto) +
               " . " + std::to_string(m.host_port);
      }
    }
    if (!set_has_element(sock, hostport_index_set(f, kAttachmentsSet), tagged_owner_key(tag)))
      return where + "set " + kAttachmentsSet + " lacks this attachment's element";
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
  const SetName probe_set{.family = family, .table = table, .name = "ports"};
  batch.add_set(*set_declaration(probe_set, hostport_index_set_kind(kPublishedPortsSet)),
                std::string(kw) + " sets (inet_proto . inet_service)");
  add_set_elements(batch, probe_set, {published_port_key(IPPROTO_TCP, 1)});
  batch.delete_table(*t, "delete probe table");
  auto failure = batch.try_commit();
  if (!failure) return std::nullopt;
  return failure->op + " unavailable: " + failure->to_error().msg().substr(failure->op.size() + 2);
}

}  // namespace cni::nft

#include "nft/hostports.hpp"

// <netinet/in.h> before the kernel headers, which otherwise define in_addr first.
#include <netinet/in.h>
// NOLINTNEXTLINE(llvm-include-order)
#include <linux/netfilter.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "nft/batch.hpp"
#include "nft/nat_expr.hpp"
#include "nft/rule_tag.hpp"
#include "nft/socket.hpp"

namespace cni::nft {
namespace {

// As masquerade.cpp: a rule deleted by handle may vanish between listing and transaction
// (another call removed it; handles are never reused): list again after a random pause.
constexpr int kAttempts = 10;
constexpr int kMaxPauseUs = 32000;
constexpr const char* kOwnedChains[] = {kHostportsChain, kHostipHostportsChain, kHostportMasqChain};
constexpr net::Family kFamilies[] = {net::Family::V4, net::Family::V6};

void back_off(int attempt) {
  static thread_local std::minstd_rand rng(std::random_device{}());
  const int base_us = std::min(1000 << std::min(attempt - 1, 5), kMaxPauseUs);
  std::uniform_int_distribution<int> jitter(0, base_us);
  std::this_thread::sleep_for(std::chrono::microseconds(base_us + jitter(rng)));
}

void transact(Socket& sock, const std::function<void(Batch&)>& fill) {
  for (int attempt = 1;; ++attempt) {
    Batch batch(sock);
    fill(batch);
    auto failure = batch.try_commit();
    if (!failure) return;
    const bool raced = failure->error == ENOENT && failure->op.starts_with("delete rule");
    if (!raced) throw failure->to_error();
    if (attempt == kAttempts) {
      const cni::Error e = failure->to_error();
      throw cni::Error(
          Code::TryAgainLater,
          e.msg() + " (rules kept changing, " + std::to_string(kAttempts) + " attempts)",
          e.details());
    }
    back_off(attempt);
  }
}

std::vector<ListedRule> list_chain(Socket& sock, net::Family f, const char* chain) {
  return list_rules(sock, nfproto(f), kHostportTable, chain);
}

// The attachment's rules: its tag, or the container's comment without a tag (the reference's).
bool owned_by(const ListedRule& r, const MasqAttachment& owner, const std::string& tag) {
  if (!r.comment || *r.comment != owner.container_id) return false;
  const auto t = tag_of(*r.rule);
  return !t || *t == tag;
}

void delete_matching(Socket& sock, Batch& batch, net::Family f,
                     const std::function<bool(const ListedRule&)>& pred) {
  for (const char* chain : kOwnedChains) {
    for (const auto& r : list_chain(sock, f, chain)) {
      if (!pred(r)) continue;
      auto del = delete_hostport_rule(f, chain, r.handle);
      batch.delete_rule(*del.object, std::move(del.op));
    }
  }
}

bool host_ips_overlap(const std::optional<net::IpAddress>& a,
                      const std::optional<net::IpAddress>& b) {
  return !a || !b || *a == *b;
}

std::optional<HostportConflict> find_conflict(Socket& sock, const MasqAttachment& owner,
                                              const HostportPlan& plan) {
  const net::Family f = plan.family();
  for (const char* chain : {kHostportsChain, kHostipHostportsChain}) {
    for (const auto& r : list_chain(sock, f, chain)) {
      // Another network of the same container may publish the same port (a runtime sends the
      // mappings to every network of a container): the first rule wins, as in the reference.
      if (r.comment && *r.comment == owner.container_id) continue;
      const auto v = read_dnat(*r.rule, f);
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

void ensure_layout(Socket& sock, Batch& batch, net::Family f, bool snat) {
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
  // Rewritten only when not already exactly the layout (the reference rewrites them on every
  // ADD): a batch that only adds rules leaves the kernel nothing to free after an RCU grace
  // period, and conditions live in each container's own rules, not here.
  for (const char* name : {kHostportsAllChain, kHostportPrerouting, kHostportOutput}) {
    auto want = fixed_rules(f, name);
    if (same_rules(list_chain(sock, f, name), want)) continue;
    auto flush = flush_hostport_chain(f, name);
    batch.delete_rule(*flush.object, std::move(flush.op));
    for (auto& r : want)
      batch.add_rule(*r.object, std::move(r.op));
  }
}

void teardown_family(Socket& sock, net::Family f, const MasqAttachment& owner) {
  const std::string tag = masq_instance_hash(owner);
  transact(sock, [&](Batch& batch) {
    delete_matching(sock, batch, f, [&](const ListedRule& r) { return owned_by(r, owner, tag); });
  });
}

}  // namespace

std::optional<HostportConflict> setup_hostports(const MasqAttachment& owner,
                                                const std::vector<HostportPlan>& plans) {
  Socket sock;
  for (const auto& plan : plans)
    if (auto c = find_conflict(sock, owner, plan)) return c;

  const std::string tag = masq_instance_hash(owner);
  std::vector<net::Family> done;
  try {
    for (const auto& plan : plans) {
      const net::Family f = plan.family();
      transact(sock, [&](Batch& batch) {
        ensure_layout(sock, batch, f, plan.snat);
        delete_matching(sock, batch, f,
                        [&](const ListedRule& r) { return owned_by(r, owner, tag); });
        for (const auto& m : plan.mappings) {
          auto rule = dnat_rule(plan, m, owner);
          batch.add_rule(*rule.object, std::move(rule.op));
        }
        for (auto& rule : hostport_masq_rules(plan, owner))
          batch.add_rule(*rule.object, std::move(rule.op));
      });
      done.push_back(f);
    }
  } catch (...) {
    for (const net::Family f : done) {
      try {
        teardown_family(sock, f, owner);
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the first error wins
      }
    }
    throw;
  }
  return std::nullopt;
}

void teardown_hostports(const MasqAttachment& owner) {
  Socket sock;
  for (const net::Family f : kFamilies)
    teardown_family(sock, f, owner);
}

void gc_hostports(std::string_view network,
                  const std::vector<std::pair<std::string, std::string>>& valid_attachments) {
  const std::string network_tag = masq_network_hash(network) + "-";
  std::set<std::string> valid;
  for (const auto& [container_id, ifname] : valid_attachments)
    valid.insert(masq_instance_hash({std::string(network), container_id, ifname}));
  Socket sock;
  for (const net::Family f : kFamilies) {
    transact(sock, [&](Batch& batch) {
      delete_matching(sock, batch, f, [&](const ListedRule& r) {
        const auto t = tag_of(*r.rule);
        return t && t->starts_with(network_tag) && !valid.contains(*t);
      });
    });
  }
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
      const auto rules = list_chain(sock, f, chain);
      return std::any_of(rules.begin(), rules.end(), [&](const ListedRule& r) {
        return owned_by(r, owner, tag) && same_rule(r, *want.object);
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

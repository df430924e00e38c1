#include "rules.hpp"

#include <linux/netfilter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <set>

#include "cni/error.hpp"
#include "nft/batch.hpp"
#include "nft/chains.hpp"
#include "nft/probe.hpp"
#include "nft/rules.hpp"
#include "nft/socket.hpp"
#include "nft/xt.hpp"
#include "sys/fault.hpp"

namespace cni::firewall {
namespace {

// How often a transaction is built again when the ruleset changed under it.
constexpr int kAttempts = 10;

// A listed rule: its handle and `-m comment` text read at once; its signature only when
// asked (most rules of a busy CNI-FORWARD chain are told apart by their comment alone).
struct Listed {
  std::uint64_t handle = 0;
  std::optional<std::string> comment;
  nft::RulePtr rule;
  mutable std::optional<std::string> sig;

  const std::string& signature() const {
    if (!sig) sig = nft::rule_signature(*rule);
    return *sig;
  }
};

std::vector<Listed> read_chain(nft::Socket& sock, net::Family f, const std::string& chain) {
  std::vector<Listed> out;
  for (auto& r : nft::list_rules(sock, nfproto(f), kTable, chain)) {
    out.push_back({r.handle, nft::xt_comment_of(*r.rule), std::move(r.rule), std::nullopt});
  }
  return out;
}

std::set<std::string> chain_names(nft::Socket& sock, net::Family f) {
  const auto names = nft::list_chains(sock, nfproto(f), kTable);
  return {names.begin(), names.end()};
}

bool matches(const Listed& l, const Rule& r) {
  return l.comment == r.comment && l.signature() == r.signature;
}

bool contains(const std::vector<Listed>& rules, const Rule& r) {
  return std::any_of(rules.begin(), rules.end(), [&](const Listed& l) { return matches(l, r); });
}

std::vector<net::Family> families_of(const std::vector<net::IpAddress>& ips) {
  std::vector<net::Family> out;
  for (const auto& ip : ips)
    if (std::find(out.begin(), out.end(), ip.family()) == out.end()) out.push_back(ip.family());
  return out;
}

constexpr net::Family kBoth[] = {net::Family::V4, net::Family::V6};

// Builds a transaction with `build` (reading the ruleset through the socket) and applies it if
// the ruleset is still as read; retried when it changed in between.
template <typename Build>
void transact(const char* what, Build&& build) {
  nft::Socket sock;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::uint32_t gen = nft::ruleset_generation(sock);
    nft::Batch batch(sock, gen);
    build(sock, batch);
    if (batch.size() == 0) return;
    auto failure = batch.try_commit();
    if (!failure) return;
    if (failure->error != ERESTART) throw failure->to_error();
    spdlog::debug("{}: ruleset changed while building the transaction, again", what);
  }
  throw Error(Code::TryAgainLater, std::string(what) + ": the ruleset kept changing (" +
                                       std::to_string(kAttempts) + " attempts)");
}

void add_family(nft::Socket& sock, nft::Batch& batch, const Wanted& w, net::Family f) {
  const std::string fam = family_name(f);
  const std::string add_chain_op = "add chain " + fam + " filter ";
  const std::string comment = owner_comment(w.owner);
  const std::set<std::string> chains = chain_names(sock, f);
  const auto forward = read_chain(sock, f, kForwardChain);
  const auto priv = read_chain(sock, f, kPrivChain);

  // A table without chains may not exist; adding an existing one changes nothing.
  if (chains.empty()) batch.add_table(*filter_table(f), "add table " + fam + " filter");
  if (!chains.contains(kForwardChain)) {
    batch.add_chain(
        *forward_chain(f),
        "add chain " + fam + " filter FORWARD { type filter hook forward priority 0; }");
  }
  for (const std::string& name : {std::string(kPrivChain), w.admin_chain}) {
    if (!chains.contains(name)) batch.add_chain(*user_chain(f, name), add_chain_op + name);
  }
  if (auto jump = admin_jump(f, w.admin_chain); !contains(priv, jump)) {
    batch.insert_rule(*jump.rule, jump.text);
  }
  if (auto jump = forward_jump(f); !contains(forward, jump))
    batch.insert_rule(*jump.rule, jump.text);

  // The attachment's rules: those already there stay, others of it go, missing ones come.
  std::vector<Rule> wanted;
  for (const auto& ip : w.ips) {
    if (ip.family() != f) continue;
    for (auto& r : address_rules(ip, comment))
      wanted.push_back(std::move(r));
  }
  for (const auto& l : priv) {
    if (l.comment != comment) continue;
    const bool keep =
        std::any_of(wanted.begin(), wanted.end(), [&](const Rule& r) { return matches(l, r); });
    if (!keep) {
      auto del = delete_by_handle(f, kPrivChain, l.handle);
      batch.delete_rule(*del.rule, del.text);
    }
  }
  std::set<std::string> added;
  for (const auto& r : wanted) {
    if (contains(priv, r) || !added.insert(r.signature).second) continue;
    batch.add_rule(*r.rule, r.text);
  }

  if (w.ingress == IngressPolicy::Open) return;
  // The reference's order: the bridge rules first in their chains, RETURN last, the jump to
  // stage 1 first in FORWARD (before the jump to CNI-FORWARD, inserted above).
  const auto stage1 = read_chain(sock, f, kStage1Chain);
  const auto stage2 = read_chain(sock, f, kStage2Chain);
  for (const char* name : {kStage1Chain, kStage2Chain}) {
    if (!chains.contains(name)) batch.add_chain(*user_chain(f, name), add_chain_op + name);
  }
  auto insert_missing = [&](const std::vector<Listed>& in, Rule r) {
    if (!contains(in, r)) batch.insert_rule(*r.rule, r.text);
  };
  auto append_missing = [&](const std::vector<Listed>& in, Rule r) {
    if (!contains(in, r)) batch.add_rule(*r.rule, r.text);
  };
  insert_missing(stage1, stage1_bridge(f, w.bridge));
  if (w.ingress == IngressPolicy::Isolated) insert_missing(stage1, stage1_isolated(f, w.bridge));
  append_missing(stage1, stage_return(f, kStage1Chain));
  insert_missing(stage2, stage2_bridge(f, w.bridge));
  append_missing(stage2, stage_return(f, kStage2Chain));
  insert_missing(forward, stage1_jump(f));
}

}  // namespace

void add_rules(const Wanted& w) {
  transact("add firewall rules", [&](nft::Socket& sock, nft::Batch& batch) {
    for (net::Family f : families_of(w.ips))
      add_family(sock, batch, w, f);
    fault::point("firewall.before_commit");
  });
}

void del_rules(const Owner& owner, const std::vector<net::IpAddress>& ips) {
  const std::string comment = owner_comment(owner);
  transact("delete firewall rules", [&](nft::Socket& sock, nft::Batch& batch) {
    for (net::Family f : kBoth) {
      std::set<std::string> reference;  // the reference's uncommented rules of these addresses
      for (const auto& ip : ips) {
        if (ip.family() != f) continue;
        for (const auto& r : address_rules(ip, std::nullopt))
          reference.insert(r.signature);
      }
      for (const auto& l : read_chain(sock, f, kPrivChain)) {
        if (l.comment == comment || (!l.comment && reference.contains(l.signature()))) {
          auto del = delete_by_handle(f, kPrivChain, l.handle);
          batch.delete_rule(*del.rule, del.text);
        }
      }
    }
  });
}

std::vector<std::string> missing_rules(const Wanted& w) {
  nft::Socket sock;
  std::vector<std::string> missing;
  const std::string comment = owner_comment(w.owner);
  for (net::Family f : families_of(w.ips)) {
    const std::string fam = family_name(f);
    const std::string chain_prefix = "chain " + fam + " filter ";
    const std::set<std::string> chains = chain_names(sock, f);
    std::vector<std::string> names = {kForwardChain, kPrivChain, w.admin_chain};
    if (w.ingress != IngressPolicy::Open) {
      names.emplace_back(kStage1Chain);
      names.emplace_back(kStage2Chain);
    }
    for (const auto& name : names)
      if (!chains.contains(name)) missing.push_back(chain_prefix + name);

    std::map<std::string, std::vector<Listed>> listed;
    auto rules_of = [&](const std::string& chain) -> const std::vector<Listed>& {
      auto it = listed.find(chain);
      if (it == listed.end()) it = listed.emplace(chain, read_chain(sock, f, chain)).first;
      return it->second;
    };
    auto expect = [&](const Rule& r) {
      if (!contains(rules_of(r.chain), r)) missing.push_back("rule: " + r.text);
    };
    expect(forward_jump(f));
    expect(admin_jump(f, w.admin_chain));
    // Per address: ours, or the reference's uncommented rule (a container the reference
    // binary added before the host switched to ours).
    for (const auto& ip : w.ips) {
      if (ip.family() != f) continue;
      const auto ours = address_rules(ip, comment);
      const auto theirs = address_rules(ip, std::nullopt);
      const auto& in = rules_of(kPrivChain);
      auto all_in = [&](const std::vector<Rule>& rules) {
        return std::all_of(rules.begin(), rules.end(),
                           [&](const Rule& r) { return contains(in, r); });
      };
      if (all_in(ours) || all_in(theirs)) continue;
      for (const auto& r : ours) {
        if (!contains(in, r)) missing.push_back("rule: " + r.text);
      }
    }
    if (w.ingress == IngressPolicy::Open) continue;
    expect(stage1_jump(f));
    expect(stage1_bridge(f, w.bridge));
    if (w.ingress == IngressPolicy::Isolated) expect(stage1_isolated(f, w.bridge));
    expect(stage_return(f, kStage1Chain));
    expect(stage2_bridge(f, w.bridge));
    expect(stage_return(f, kStage2Chain));
  }
  return missing;
}

void gc_rules(const std::string& network,
              const std::vector<std::pair<std::string, std::string>>& valid) {
  transact("collect firewall rules", [&](nft::Socket& sock, nft::Batch& batch) {
    for (net::Family f : kBoth) {
      for (const auto& l : read_chain(sock, f, kPrivChain)) {
        if (!l.comment || !comment_of_network(*l.comment, network) ||
            comment_is_one_of(*l.comment, network, valid)) {
          continue;
        }
        auto del = delete_by_handle(f, kPrivChain, l.handle);
        batch.delete_rule(*del.rule, del.text);
      }
    }
  });
}

std::vector<std::string> missing_features() {
  nft::Socket sock;
  std::vector<std::string> missing;
  nft::ruleset_generation(sock);  // throws when nf_tables does not answer at all
  for (net::Family f : kBoth) {
    const std::string fam = f == net::Family::V4 ? "IPv4" : "IPv6";
    if (!nft::has_xt_match(sock, nfproto(f), "conntrack", 3))
      missing.push_back("xtables match conntrack (rev 3) in nf_tables for " + fam +
                        " (nft_compat, xt_conntrack)");
    if (!nft::has_xt_match(sock, nfproto(f), "comment", 0))
      missing.push_back("xtables match comment in nf_tables for " + fam +
                        " (nft_compat, xt_comment)");
  }
  return missing;
}

std::vector<std::string> legacy_filter_tables() {
  std::vector<std::string> out;
  const std::pair<const char*, const char*> files[] = {{"/proc/self/net/ip_tables_names", "IPv4"},
                                                       {"/proc/self/net/ip6_tables_names", "IPv6"}};
  for (const auto& [path, family] : files) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      if (line == "filter") out.emplace_back(family);
    }
  }
  return out;
}

bool firewalld_table_present() {
  nft::Socket sock;
  return nft::table_exists(sock, NFPROTO_INET, "firewalld");
}

}  // namespace cni::firewall

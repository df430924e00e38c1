#include "nft/masquerade.hpp"

#include <linux/netfilter.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "nft/batch.hpp"
#include "nft/masq_layout.hpp"
#include "nft/rules.hpp"
#include "nft/socket.hpp"

namespace cni::nft {
namespace {

// Deleting a rule by handle fails with ENOENT when a concurrent call deleted it between our
// listing and our transaction (handles are never reused, so nothing else is ever deleted):
// list again and retry after a random pause that doubles each time (1-2 ms, 2-4 ms, ... up to
// 32-64 ms). Only calls about the same attachment (or GC) touch the same rules, which CNI
// runtimes do not run concurrently; if they still keep colliding the caller gets
// TryAgainLater. (Two concurrent first ADDs of one attachment can both succeed and leave a
// duplicate rule: harmless, the next ADD or DEL of the attachment removes both.)
constexpr int kAttempts = 10;
constexpr int kMaxPauseUs = 32000;

void back_off(int attempt) {
  static thread_local std::minstd_rand rng(std::random_device{}());
  const int base_us = std::min(1000 << std::min(attempt - 1, 5), kMaxPauseUs);
  std::uniform_int_distribution<int> jitter(0, base_us);
  std::this_thread::sleep_for(std::chrono::microseconds(base_us + jitter(rng)));
}

std::vector<ListedRule> list_masq_chain(Socket& sock) {
  return list_rules(sock, NFPROTO_INET, kMasqTable, kMasqChain);
}
}  // namespace

bool masquerade_table_exists() {
  Socket sock;
  return !list_chains(sock, NFPROTO_INET, kMasqTable).empty();
}

void remove_masquerade_table_if_unused() {
  Socket sock;
  if (list_chains(sock, NFPROTO_INET, kMasqTable).empty()) return;
  if (!list_masq_chain(sock).empty()) return;
  delete_table(sock, NFPROTO_INET, kMasqTable);
}

namespace {

bool has_prefix(const ListedRule& r, std::string_view prefix) {
  return r.comment && r.comment->starts_with(prefix);
}

// Runs `fill` (which lists what it needs and adds its messages to the batch) and commits,
// retrying when a rule it deletes vanished meanwhile.
void transact(const std::function<void(Socket&, Batch&)>& fill) {
  Socket sock;
  for (int attempt = 1;; ++attempt) {
    Batch batch(sock);
    fill(sock, batch);
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

void delete_rules(Batch& batch, const std::vector<const ListedRule*>& rules) {
  for (const ListedRule* r : rules) {
    auto del = delete_by_handle(kMasqChain, r->handle);
    batch.delete_rule(*del.object, std::move(del.op));
  }
}

}  // namespace

void setup_masquerade(const MasqAttachment& a, const std::vector<MasqAddress>& addrs) {
  const std::string tag = masq_instance_hash(a);
  std::vector<MasqAddress> unique;
  for (const auto& addr : addrs) {
    const bool seen = std::any_of(unique.begin(), unique.end(), [&](const MasqAddress& u) {
      return u.address_with_subnet_len == addr.address_with_subnet_len;
    });
    if (!seen) unique.push_back(addr);
  }

  transact([&](Socket& sock, Batch& batch) {
    const auto listed = list_masq_chain(sock);
    // The layout is rewritten (as the reference does on every ADD) only when it is not already
    // in place: a batch that only adds rules leaves the kernel nothing to free after an RCU
    // grace period, which the closing of our socket would otherwise wait for (~10 ms).
    if (!is_current_base_chain(list_rules(sock, NFPROTO_INET, kMasqTable, kMasqBaseChain))) {
      auto table = masq_table();
      batch.add_table(*table.object, std::move(table.op));
      auto chain = masq_chain();  // before postrouting, which jumps to it
      batch.add_chain(*chain.object, std::move(chain.op));
      auto base = masq_base_chain();
      batch.add_chain(*base.object, std::move(base.op));
      auto flush = flush_base_chain();
      batch.delete_rule(*flush.object, std::move(flush.op));
      for (auto& rule : masq_base_rules())
        batch.add_rule(*rule.object, std::move(rule.op));
    }

    std::vector<const ListedRule*> stale;
    for (const auto& r : listed)
      if (has_prefix(r, tag)) stale.push_back(&r);
    delete_rules(batch, stale);
    for (const auto& addr : unique) {
      auto rule = masq_rule(a, addr);
      batch.add_rule(*rule.object, std::move(rule.op));
    }
  });
}

void teardown_masquerade(const MasqAttachment& a) {
  const std::string tag = masq_instance_hash(a);
  transact([&](Socket& sock, Batch& batch) {
    const auto listed = list_masq_chain(sock);
    std::vector<const ListedRule*> mine;
    for (const auto& r : listed)
      if (has_prefix(r, tag)) mine.push_back(&r);
    delete_rules(batch, mine);  // an empty batch is not sent
  });
}

std::vector<MasqRule> list_masquerade_rules() {
  Socket sock;
  std::vector<MasqRule> out;
  for (const auto& r : list_masq_chain(sock))
    if (auto rule = read_masq_rule(r)) out.push_back(std::move(*rule));
  return out;
}

void gc_masquerade(std::string_view network,
                   const std::vector<std::pair<std::string, std::string>>& valid_attachments) {
  const std::string network_tag = masq_network_hash(network) + "-";
  std::set<std::string> valid;
  for (const auto& [container_id, ifname] : valid_attachments)
    valid.insert(masq_instance_hash({std::string(network), container_id, ifname}));
  const std::size_t tag_len = network_tag.size() * 2 - 1;  // "<h16>-<h16>"

  transact([&](Socket& sock, Batch& batch) {
    const auto listed = list_masq_chain(sock);
    std::vector<const ListedRule*> dead;
    for (const auto& r : listed) {
      if (has_prefix(r, network_tag) && !valid.contains(r.comment->substr(0, tag_len))) {
        dead.push_back(&r);
      }
    }
    delete_rules(batch, dead);
  });
}

bool masquerade_present(const MasqAttachment& a, const std::vector<MasqAddress>& addrs) {
  Socket sock;
  const auto base = list_rules(sock, NFPROTO_INET, kMasqTable, kMasqBaseChain);
  if (std::none_of(base.begin(), base.end(), is_masq_jump)) return false;

  const std::string tag = masq_instance_hash(a);
  std::vector<MasqRule> mine;
  for (const auto& r : list_masq_chain(sock)) {
    if (!has_prefix(r, tag)) continue;
    if (auto rule = read_masq_rule(r)) mine.push_back(std::move(*rule));
  }
  return std::all_of(addrs.begin(), addrs.end(), [&](const MasqAddress& addr) {
    const net::Prefix& p = addr.address_with_subnet_len;
    return std::any_of(mine.begin(), mine.end(), [&](const MasqRule& r) {
      return r.address == p.address() && r.subnet == p.network();
    });
  });
}

}  // namespace cni::nft

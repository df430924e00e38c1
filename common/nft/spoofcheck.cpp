#include "nft/spoofcheck.hpp"

#include <linux/netfilter.h>
#include <net/if.h>

#include <cerrno>
#include <cstdio>
#include <optional>

#include "cni/error.hpp"
#include "nft/batch.hpp"
#include "nft/comment.hpp"
#include "nft/error.hpp"
#include "nft/match.hpp"
#include "nft/rules.hpp"
#include "nft/socket.hpp"

namespace cni::nft {
namespace {

constexpr char kTable[] = "nat";  // family bridge
constexpr char kBaseChain[] = "PREROUTING";
constexpr char kCommentPrefix[] = "macspoofchk-";
constexpr char kChainPrefix[] = "cni-br-iface-";
constexpr int kPriority = -300;

std::string comment_for(const std::string& id) {
  return kCommentPrefix + id;
}
std::string iface_chain(const std::string& id) {
  return kChainPrefix + id;
}
std::string mac_chain(const std::string& id) {
  return iface_chain(id) + "-mac";
}
std::string where(const std::string& chain) {
  return std::string("bridge ") + kTable + " " + chain;
}

template <typename Ptr>
Ptr checked(Ptr p) {
  if (!p) throw nft_error(ENOMEM, "allocate nftables object");
  return p;
}

ChainPtr chain_named(const std::string& name) {
  auto c = checked(ChainPtr(nftnl_chain_alloc()));
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_BRIDGE);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, kTable);
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, name.c_str());
  return c;
}

RulePtr rule_in(const std::string& chain, const std::string& comment) {
  auto r = checked(RulePtr(nftnl_rule_alloc()));
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  if (!comment.empty()) set_comment(*r, comment);
  return r;
}

std::array<std::uint8_t, 6> parse_mac(const std::string& text) {
  unsigned b[6];
  char tail = 0;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                  &b[5], &tail) != 6) {
    throw Error(Code::InvalidConfig, "macspoofchk: \"" + text + "\" is not a MAC address");
  }
  std::array<std::uint8_t, 6> m{};
  for (std::size_t i = 0; i < 6; ++i)
    m[i] = static_cast<std::uint8_t>(b[i]);
  return m;
}

std::vector<ListedRule> base_rules(Socket& sock) {
  return list_rules(sock, NFPROTO_BRIDGE, kTable, kBaseChain);
}

void delete_base_rules_of(Batch& batch, const std::vector<ListedRule>& rules,
                          const std::string& comment) {
  for (const auto& r : rules) {
    if (r.comment != comment) continue;
    auto del = rule_in(kBaseChain, "");
    nftnl_rule_set_u64(del.get(), NFTNL_RULE_HANDLE, r.handle);
    batch.delete_rule(*del,
                      "delete rule " + where(kBaseChain) + " handle " + std::to_string(r.handle));
  }
}

// Deletes the base-chain rules `handles` point at and both chains of `id`, whichever exist.
void remove(Socket& sock, const std::vector<ListedRule>& rules, const std::string& id) {
  const std::string comment = comment_for(id);
  {
    Batch batch(sock);
    delete_base_rules_of(batch, rules, comment);
    batch.delete_chain(*chain_named(iface_chain(id)), "delete chain " + where(iface_chain(id)));
    batch.delete_chain(*chain_named(mac_chain(id)), "delete chain " + where(mac_chain(id)));
    auto failure = batch.try_commit();
    if (!failure) return;
    if (failure->error != ENOENT) throw failure->to_error();
  }
  // Something was already gone (or never there): each part on its own, absent ones skipped.
  {
    Batch batch(sock);
    delete_base_rules_of(batch, rules, comment);
    if (auto f = batch.try_commit(); f && f->error != ENOENT) throw f->to_error();
  }
  for (const auto& chain : {iface_chain(id), mac_chain(id)}) {
    Batch batch(sock);
    batch.delete_chain(*chain_named(chain), "delete chain " + where(chain));
    if (auto f = batch.try_commit(); f && f->error != ENOENT) throw f->to_error();
  }
}

}  // namespace

void require_spoofcheck_names_fit(const SpoofCheckOwner& owner) {
  constexpr std::size_t kMaxName = 255;  // NFT_CHAIN_MAXNAMELEN without the NUL
  const auto longest = mac_chain(owner.id()).size();
  if (longest > kMaxName) {
    throw Error(Code::InvalidEnvironment,
                "CNI_CONTAINERID: too long for macspoofchk: its nftables chain name would be " +
                    std::to_string(longest) + " bytes (at most " + std::to_string(kMaxName) + ")");
  }
}

void setup_spoofcheck(const SpoofCheckOwner& owner, const std::string& host_veth,
                      const std::string& mac) {
  const auto mac_bytes = parse_mac(mac);
  const std::string id = owner.id();
  const std::string comment = comment_for(id);
  Socket sock;
  const auto existing = base_rules(sock);

  Batch batch(sock);
  auto table = checked(TablePtr(nftnl_table_alloc()));
  nftnl_table_set_u32(table.get(), NFTNL_TABLE_FAMILY, NFPROTO_BRIDGE);
  nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, kTable);
  batch.add_table(*table, std::string("add table bridge ") + kTable);
  auto base = chain_named(kBaseChain);
  nftnl_chain_set_str(base.get(), NFTNL_CHAIN_TYPE, "filter");
  nftnl_chain_set_u32(base.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_PRE_ROUTING);
  nftnl_chain_set_s32(base.get(), NFTNL_CHAIN_PRIO, kPriority);
  nftnl_chain_set_u32(base.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  batch.add_chain(
      *base, "add chain " + where(kBaseChain) + " { type filter hook prerouting priority -300; }");
  for (const auto& chain : {iface_chain(id), mac_chain(id)}) {
    batch.add_chain(*chain_named(chain), "add chain " + where(chain));
    batch.delete_rule(*rule_in(chain, ""), "flush chain " + where(chain));
  }
  delete_base_rules_of(batch, existing, comment);

  auto jump_in = rule_in(kBaseChain, comment);
  add_iifname_match(*jump_in, host_veth);
  add_jump(*jump_in, iface_chain(id));
  batch.add_rule(*jump_in, "add rule " + where(kBaseChain) + " iifname \"" + host_veth +
                               "\" jump " + iface_chain(id));
  auto jump_mac = rule_in(iface_chain(id), comment);
  add_jump(*jump_mac, mac_chain(id));
  batch.add_rule(*jump_mac, "add rule " + where(iface_chain(id)) + " jump " + mac_chain(id));
  auto allow = rule_in(mac_chain(id), comment);
  add_ether_saddr_match(*allow, mac_bytes);
  add_return(*allow);
  batch.add_rule(*allow, "add rule " + where(mac_chain(id)) + " ether saddr " + mac + " return");
  auto drop = rule_in(mac_chain(id), comment);
  add_drop(*drop);
  batch.add_rule(*drop, "add rule " + where(mac_chain(id)) + " drop");
  batch.commit();
}

void teardown_spoofcheck(const SpoofCheckOwner& owner) {
  Socket sock;
  remove(sock, base_rules(sock), owner.id());
}

bool spoofcheck_table_exists() {
  Socket sock;
  return !list_chains(sock, NFPROTO_BRIDGE, kTable).empty();
}

void remove_spoofcheck_table_if_unused() {
  Socket sock;
  const auto chains = list_chains(sock, NFPROTO_BRIDGE, kTable);
  if (chains != std::vector<std::string>{kBaseChain}) return;
  if (!base_rules(sock).empty()) return;
  delete_table(sock, NFPROTO_BRIDGE, kTable);
}

bool spoofcheck_present(const SpoofCheckOwner& owner) {
  const std::string id = owner.id();
  const std::string comment = comment_for(id);
  Socket sock;
  bool jump = false;
  for (const auto& r : base_rules(sock))
    jump = jump || r.comment == comment;
  if (!jump) return false;
  const auto mac_rules = list_rules(sock, NFPROTO_BRIDGE, kTable, mac_chain(id));
  return mac_rules.size() == 2;
}

int gc_spoofchecks(const std::vector<std::pair<std::string, std::string>>& keep) {
  Socket sock;
  const auto rules = base_rules(sock);
  int removed = 0;
  for (const auto& r : rules) {
    if (!r.comment || !r.comment->starts_with(kCommentPrefix)) continue;
    const std::string id = r.comment->substr(sizeof kCommentPrefix - 1);
    bool kept = false;
    for (const auto& [cid, ifname] : keep)
      kept = kept || id == std::string(cid).append("-").append(ifname);
    if (kept) continue;
    const auto port = iifname_of(*r.rule);
    if (port && if_nametoindex(port->c_str()) != 0) continue;  // still attached: not stale
    remove(sock, rules, id);
    ++removed;
  }
  return removed;
}

}  // namespace cni::nft

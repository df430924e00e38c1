#include "nft/rules.hpp"

#include <endian.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>

#include "nft/back_off.hpp"
#include "nft/batch.hpp"
#include "nft/comment.hpp"
#include "nft/error.hpp"
#include "nft/rule_tag.hpp"

namespace cni::nft {
namespace {

// A dump spans many reads; a commit by another process between two of them interrupts it. With
// several callers committing at once (a runtime starting pods in parallel) on a long chain,
// immediate retries keep colliding: the later ones wait a random, growing pause first.
constexpr int kDumpAttempts = 12;
constexpr int kMaxDumpPauseUs = 32000;

}  // namespace

namespace {

// Dumps the rules of `chain` (all of `table` when empty), handing each reply to `on_rule`;
// again from the start (after `restart`) when a concurrent change interrupted the dump.
void dump_rules(Socket& sock, std::uint16_t family, const std::string& table,
                const std::string& chain, const std::function<void()>& restart,
                const std::function<void(const nlmsghdr&, const std::string&)>& on_rule) {
  const std::string op =
      chain.empty() ? "list rules of table " + table : "list rules of chain " + table + " " + chain;
  RulePtr filter(nftnl_rule_alloc());
  if (!filter) throw nft_error(ENOMEM, op);
  nftnl_rule_set_str(filter.get(), NFTNL_RULE_TABLE, table.c_str());
  if (!chain.empty()) nftnl_rule_set_str(filter.get(), NFTNL_RULE_CHAIN, chain.c_str());

  alignas(nlmsghdr) std::array<char, 1024> request{};
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    if (attempt > 0) back_off(attempt, 500, kMaxDumpPauseUs);
    nlmsghdr* msg =
        nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETRULE, family, NLM_F_DUMP, sock.next_seq());
    nftnl_rule_nlmsg_build_payload(msg, filter.get());
    restart();
    if (sock.dump(
            *msg, [&](const nlmsghdr& reply) { on_rule(reply, op); }, op))
      return;
  }
  throw nft_error(EINTR, op + " (changed during every attempt)");
}

RulePtr parse_rule(const nlmsghdr& reply, const std::string& op) {
  RulePtr rule(nftnl_rule_alloc());
  if (!rule) throw nft_error(ENOMEM, op);
  if (nftnl_rule_nlmsg_parse(&reply, rule.get()) < 0) throw nft_error(EPROTO, op);
  return rule;
}

}  // namespace

std::vector<ListedRule> list_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                   const std::string& chain) {
  std::vector<ListedRule> rules;
  dump_rules(
      sock, family, table, chain, [&] { rules.clear(); },
      [&](const nlmsghdr& reply, const std::string& op) {
        RulePtr rule = parse_rule(reply, op);
        ListedRule listed;
        listed.handle = nftnl_rule_get_u64(rule.get(), NFTNL_RULE_HANDLE);
        listed.comment = comment_of(*rule);
        if (const char* in = nftnl_rule_get_str(rule.get(), NFTNL_RULE_CHAIN)) listed.chain = in;
        listed.rule = std::move(rule);
        rules.push_back(std::move(listed));
      });
  return rules;
}

std::vector<RawRule> list_raw_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                    const std::string& chain) {
  std::vector<RawRule> rules;
  dump_rules(
      sock, family, table, chain, [&] { rules.clear(); },
      [&](const nlmsghdr& reply, const std::string& op) {
        if (reply.nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)))
          throw nft_error(EPROTO, op);
        RawRule r;
        r.message.assign(reinterpret_cast<const char*>(&reply), reply.nlmsg_len);
        // The attributes after the nfgenmsg header (mnl_attr_for_each without its casts).
        const char* end = r.message.data() + r.message.size();
        const auto* attr = reinterpret_cast<const nlattr*>(r.message.data() + NLMSG_HDRLEN +
                                                           NLMSG_ALIGN(sizeof(nfgenmsg)));
        for (; mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
             attr = mnl_attr_next(attr)) {
          const auto type = mnl_attr_get_type(attr);
          if (type == NFTA_RULE_HANDLE && mnl_attr_get_payload_len(attr) == sizeof(std::uint64_t)) {
            r.handle = be64toh(mnl_attr_get_u64(attr));
          } else if (type == NFTA_RULE_USERDATA) {
            const auto* data = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
            const auto len = mnl_attr_get_payload_len(attr);
            r.comment = udata_string(data, len, NFTNL_UDATA_RULE_COMMENT);
            r.tag = udata_string(data, len, kRuleTagType);
          }
        }
        rules.push_back(std::move(r));
      });
  return rules;
}

RulePtr RawRule::parse() const {
  return parse_rule(*reinterpret_cast<const nlmsghdr*>(message.data()), "read nftables rule");
}

bool RawRule::compares_with(std::string_view value) const {
  // The kernel encodes a comparison's value as an NFTA_DATA_VALUE attribute of the value's
  // length (nft_data_dump): look for that attribute header followed by the value.
  std::string needle(sizeof(nlattr), '\0');
  const nlattr header{.nla_len = static_cast<std::uint16_t>(MNL_ATTR_HDRLEN + value.size()),
                      .nla_type = NFTA_DATA_VALUE};
  std::memcpy(needle.data(), &header, sizeof header);
  needle.append(value);
  return message.find(needle) != std::string::npos;
}

std::vector<std::string> list_chains(Socket& sock, std::uint16_t family, const std::string& table) {
  const std::string op = "list chains of table " + table;
  ChainPtr filter(nftnl_chain_alloc());
  if (!filter) throw nft_error(ENOMEM, op);
  nftnl_chain_set_str(filter.get(), NFTNL_CHAIN_TABLE, table.c_str());

  alignas(nlmsghdr) std::array<char, 1024> request{};
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    nlmsghdr* msg = nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETCHAIN, family, NLM_F_DUMP,
                                          sock.next_seq());
    nftnl_chain_nlmsg_build_payload(msg, filter.get());
    std::vector<std::string> names;
    const bool complete = sock.dump(
        *msg,
        [&](const nlmsghdr& reply) {
          ChainPtr chain(nftnl_chain_alloc());
          if (!chain) throw nft_error(ENOMEM, op);
          if (nftnl_chain_nlmsg_parse(&reply, chain.get()) < 0) throw nft_error(EPROTO, op);
          // Older kernels ignore the table filter of a dump: filter here too.
          const char* t = nftnl_chain_get_str(chain.get(), NFTNL_CHAIN_TABLE);
          if (t && table == t)
            names.emplace_back(nftnl_chain_get_str(chain.get(), NFTNL_CHAIN_NAME));
        },
        op);
    if (complete) return names;
  }
  throw nft_error(EINTR, op + " (changed during every attempt)");
}

void delete_table(Socket& sock, std::uint16_t family, const std::string& table) {
  TablePtr t(nftnl_table_alloc());
  if (!t) throw nft_error(ENOMEM, "delete table " + table);
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, family);
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, table.c_str());
  Batch batch(sock);
  batch.delete_table(*t, "delete table " + table);
  if (auto failure = batch.try_commit(); failure && failure->error != ENOENT) {
    throw failure->to_error();
  }
}

bool chain_exists(Socket& sock, std::uint16_t family, const std::string& table,
                  const std::string& chain) {
  const std::string op = "get chain " + table + " " + chain;
  ChainPtr query(nftnl_chain_alloc());
  if (!query) throw nft_error(ENOMEM, op);
  nftnl_chain_set_str(query.get(), NFTNL_CHAIN_TABLE, table.c_str());
  nftnl_chain_set_str(query.get(), NFTNL_CHAIN_NAME, chain.c_str());

  alignas(nlmsghdr) std::array<char, 1024> request{};
  nlmsghdr* msg =
      nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETCHAIN, family, NLM_F_ACK, sock.next_seq());
  nftnl_chain_nlmsg_build_payload(msg, query.get());
  return sock.get(*msg, op);
}

}  // namespace cni::nft

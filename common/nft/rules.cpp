#include "nft/rules.hpp"

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <array>
#include <cerrno>

#include "nft/batch.hpp"
#include "nft/comment.hpp"
#include "nft/error.hpp"

namespace cni::nft {
namespace {

constexpr int kDumpAttempts = 5;

}  // namespace

std::vector<ListedRule> list_rules(Socket& sock, std::uint16_t family, const std::string& table,
                                   const std::string& chain) {
  const std::string op = "list rules of chain " + table + " " + chain;
  RulePtr filter(nftnl_rule_alloc());
  if (!filter) throw nft_error(ENOMEM, op);
  nftnl_rule_set_str(filter.get(), NFTNL_RULE_TABLE, table.c_str());
  nftnl_rule_set_str(filter.get(), NFTNL_RULE_CHAIN, chain.c_str());

  alignas(nlmsghdr) std::array<char, 1024> request{};
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    nlmsghdr* msg =
        nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETRULE, family, NLM_F_DUMP, sock.next_seq());
    nftnl_rule_nlmsg_build_payload(msg, filter.get());

    std::vector<ListedRule> rules;
    const bool complete = sock.dump(
        *msg,
        [&](const nlmsghdr& reply) {
          RulePtr rule(nftnl_rule_alloc());
          if (!rule) throw nft_error(ENOMEM, op);
          if (nftnl_rule_nlmsg_parse(&reply, rule.get()) < 0) throw nft_error(EPROTO, op);
          ListedRule listed;
          listed.handle = nftnl_rule_get_u64(rule.get(), NFTNL_RULE_HANDLE);
          listed.comment = comment_of(*rule);
          listed.rule = std::move(rule);
          rules.push_back(std::move(listed));
        },
        op);
    if (complete) return rules;
  }
  throw nft_error(EINTR, op + " (changed during every attempt)");
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

}  // namespace cni::nft

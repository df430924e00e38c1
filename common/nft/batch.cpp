#include "nft/batch.hpp"

#include <arpa/inet.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <utility>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

// libnftnl's batch pages: every message must fit in the overrun area of a page.
constexpr std::uint32_t kPageSize = 64 * 1024;
constexpr std::uint32_t kOverrun = 16 * 1024;
// Sequence numbers reserved per batch (BEGIN, END and the messages in between).
// Compared as differences from the first, so wrapping around 2^32 is harmless.
constexpr std::uint32_t kSeqSpan = 1U << 16;

}  // namespace

cni::Error BatchFailure::to_error() const {
  return nft_error(error, op, kernel_message);
}

Batch::Batch(Socket& sock)
    : sock_(sock),
      batch_(nftnl_batch_alloc(kPageSize, kOverrun)),
      first_seq_(sock.next_seq(kSeqSpan)) {
  if (!batch_) throw nft_error(ENOMEM, "allocate nftables batch");
  // The page comes from malloc and libmnl leaves some attribute padding unwritten: zero it so
  // no uninitialised heap byte goes to the kernel (valgrind flags it). Our batches fit in one
  // page; a later page libnftnl adds is not zeroed, which is harmless padding only.
  std::memset(nftnl_batch_buffer(batch_.get()), 0, kPageSize + kOverrun);
  nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(batch_.get())), first_seq_);
  end_message();
}

Batch::Batch(Socket& sock, std::uint32_t genid)
    : sock_(sock),
      batch_(nftnl_batch_alloc(kPageSize, kOverrun)),
      first_seq_(sock.next_seq(kSeqSpan)) {
  if (!batch_) throw nft_error(ENOMEM, "allocate nftables batch");
  std::memset(nftnl_batch_buffer(batch_.get()), 0, kPageSize + kOverrun);
  nlmsghdr* begin =
      nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(batch_.get())), first_seq_);
  mnl_attr_put_u32(begin, NFNL_BATCH_GENID, htonl(genid));
  end_message();
}

nlmsghdr* Batch::begin_message(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                               std::string op) {
  if (ops_.size() + 2 >= kSeqSpan) throw nft_error(E2BIG, std::move(op));
  ops_.push_back(std::move(op));
  const auto seq = first_seq_ + static_cast<std::uint32_t>(ops_.size());
  return nftnl_nlmsg_build_hdr(static_cast<char*>(nftnl_batch_buffer(batch_.get())), type, family,
                               static_cast<std::uint16_t>(flags | NLM_F_ACK), seq);
}

void Batch::end_message() {
  if (nftnl_batch_update(batch_.get()) < 0) throw nft_error(ENOMEM, "grow nftables batch");
}

void Batch::add_table(const nftnl_table& table, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_table_get_u32(&table, NFTNL_TABLE_FAMILY));
  nftnl_table_nlmsg_build_payload(
      begin_message(NFT_MSG_NEWTABLE, family, NLM_F_CREATE, std::move(op)), &table);
  end_message();
}

void Batch::add_chain(const nftnl_chain& chain, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_chain_get_u32(&chain, NFTNL_CHAIN_FAMILY));
  nftnl_chain_nlmsg_build_payload(
      begin_message(NFT_MSG_NEWCHAIN, family, NLM_F_CREATE, std::move(op)), &chain);
  end_message();
}

void Batch::add_rule(const nftnl_rule& rule, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_rule_get_u32(&rule, NFTNL_RULE_FAMILY));
  nftnl_rule_nlmsg_build_payload(
      begin_message(NFT_MSG_NEWRULE, family, NLM_F_CREATE | NLM_F_APPEND, std::move(op)),
      const_cast<nftnl_rule*>(&rule));
  end_message();
}

void Batch::insert_rule(const nftnl_rule& rule, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_rule_get_u32(&rule, NFTNL_RULE_FAMILY));
  // Without NLM_F_APPEND and without a position, the kernel puts the rule first.
  nftnl_rule_nlmsg_build_payload(
      begin_message(NFT_MSG_NEWRULE, family, NLM_F_CREATE, std::move(op)),
      const_cast<nftnl_rule*>(&rule));
  end_message();
}

void Batch::delete_rule(const nftnl_rule& rule, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_rule_get_u32(&rule, NFTNL_RULE_FAMILY));
  nftnl_rule_nlmsg_build_payload(begin_message(NFT_MSG_DELRULE, family, 0, std::move(op)),
                                 const_cast<nftnl_rule*>(&rule));
  end_message();
}

void Batch::delete_chain(const nftnl_chain& chain, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_chain_get_u32(&chain, NFTNL_CHAIN_FAMILY));
  nftnl_chain_nlmsg_build_payload(begin_message(NFT_MSG_DELCHAIN, family, 0, std::move(op)),
                                  &chain);
  end_message();
}

void Batch::delete_table(const nftnl_table& table, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_table_get_u32(&table, NFTNL_TABLE_FAMILY));
  nftnl_table_nlmsg_build_payload(begin_message(NFT_MSG_DELTABLE, family, 0, std::move(op)),
                                  &table);
  end_message();
}

void Batch::add_set(const nftnl_set& set, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_set_get_u32(&set, NFTNL_SET_FAMILY));
  nftnl_set_nlmsg_build_payload(begin_message(NFT_MSG_NEWSET, family, NLM_F_CREATE, std::move(op)),
                                const_cast<nftnl_set*>(&set));
  end_message();
}

void Batch::add_set_elements(const nftnl_set& set, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_set_get_u32(&set, NFTNL_SET_FAMILY));
  nftnl_set_elems_nlmsg_build_payload(
      begin_message(NFT_MSG_NEWSETELEM, family, NLM_F_CREATE, std::move(op)),
      const_cast<nftnl_set*>(&set));
  end_message();
}

void Batch::delete_set_elements(const nftnl_set& set, std::string op) {
  const auto family = static_cast<std::uint16_t>(nftnl_set_get_u32(&set, NFTNL_SET_FAMILY));
  nftnl_set_elems_nlmsg_build_payload(begin_message(NFT_MSG_DELSETELEM, family, 0, std::move(op)),
                                      const_cast<nftnl_set*>(&set));
  end_message();
}

std::optional<BatchFailure> Batch::try_commit() {
  if (ops_.empty()) return std::nullopt;
  const auto last_seq = first_seq_ + static_cast<std::uint32_t>(ops_.size());
  nftnl_batch_end(static_cast<char*>(nftnl_batch_buffer(batch_.get())), last_seq + 1);
  end_message();

  std::vector<iovec> iov(static_cast<std::size_t>(nftnl_batch_iovec_len(batch_.get())));
  nftnl_batch_iovec(batch_.get(), iov.data(), static_cast<std::uint32_t>(iov.size()));
  const std::string what = "nftables transaction of " + std::to_string(ops_.size()) +
                           " messages (first: " + ops_.front() + ")";
  sock_.send(iov, what);

  // One ack per message, failed or not; the kernel may skip the acks of messages after a
  // failure, so only a clean batch must account for every message.
  const std::size_t count = ops_.size();
  std::size_t acked = 0;
  std::optional<BatchFailure> first_failure;
  std::size_t first_failure_index = count;
  sock_.drain(
      [&](const nlmsghdr& msg) {
        auto ack = parse_ack(msg);
        if (!ack) return;
        if (ack->seq == first_seq_ && ack->error != 0) {
          // The BEGIN message itself refused: a generation check failed (ERESTART).
          first_failure = BatchFailure{.op = "begin nftables transaction (ruleset changed)",
                                       .error = ack->error,
                                       .kernel_message = ack->message};
          return;
        }
        const std::uint32_t index = ack->seq - first_seq_ - 1;  // wraps for foreign seqs
        if (index >= count) return;
        ++acked;
        if (ack->error != 0 && index < first_failure_index) {
          first_failure_index = index;
          first_failure =
              BatchFailure{.op = ops_[index], .error = ack->error, .kernel_message = ack->message};
        }
      },
      what);
  ops_.clear();
  if (first_failure) return first_failure;
  if (acked != count) {
    throw cni::Error(Code::Firewall, what + ": the kernel acknowledged " + std::to_string(acked) +
                                         " of " + std::to_string(count) + " messages");
  }
  return std::nullopt;
}

void Batch::commit() {
  if (auto failure = try_commit()) throw failure->to_error();
}

}  // namespace cni::nft

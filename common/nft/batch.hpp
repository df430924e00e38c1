#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cni/error.hpp"
#include "nft/handle.hpp"
#include "nft/socket.hpp"

namespace cni::nft {

/// Why a batch was refused: the first failing message (in batch order), its errno and the
/// kernel's extended-ack message. The kernel applies all of a batch or none of it.
struct BatchFailure {
  std::string op;  // what the failing message did, e.g. "add rule inet t c"
  int error = 0;   // positive errno
  std::string kernel_message;

  /// nft_error(error, op, kernel_message).
  cni::Error to_error() const;
};

/// One nftables transaction (NFNL_MSG_BATCH_BEGIN ... NFNL_MSG_BATCH_END), built in memory
/// and sent over a Socket: the kernel applies every message or none. Each message asks for an
/// ack and carries a description for error messages. Acts in the socket's namespace.
class Batch {
 public:
  /// An empty batch whose messages will be sent over `sock` (which must outlive it).
  explicit Batch(Socket& sock);
  /// An empty batch that the kernel applies only if the ruleset is still at generation
  /// `genid` (ruleset_generation()); otherwise the whole batch fails with ERESTART, and the
  /// caller reads the ruleset again and rebuilds it.
  Batch(Socket& sock, std::uint32_t genid);

  /// `add table`: creates the table, or leaves an existing one as it is.
  void add_table(const nftnl_table& table, std::string op);
  /// `add chain`: creates the chain, or leaves an existing one as it is (a base chain's hook,
  /// type and priority must match the existing one, else EEXIST).
  void add_chain(const nftnl_chain& chain, std::string op);
  /// `add rule`: appends the rule to its chain.
  void add_rule(const nftnl_rule& rule, std::string op);
  /// `insert rule`: puts the rule first in its chain (iptables -I <chain> 1).
  void insert_rule(const nftnl_rule& rule, std::string op);
  /// `delete rule`: the rule with the handle set in `rule`, or with no handle set every rule
  /// of its chain (`flush chain`).
  void delete_rule(const nftnl_rule& rule, std::string op);

  /// `delete chain`: the chain named in `chain` (its rules go with it; it must not be the
  /// target of a jump from another chain, unless that rule is deleted earlier in the batch).
  void delete_chain(const nftnl_chain& chain, std::string op);

  /// `delete table`: the table named in `table`, with every chain and rule in it.
  void delete_table(const nftnl_table& table, std::string op);

  /// `add set`: creates the named set, or leaves an existing one as it is (its key type and
  /// length must match, else EEXIST).
  void add_set(const nftnl_set& set, std::string op);
  /// `add element`: the elements held by `set` (which names the set and its table); elements
  /// already in the set stay as they are.
  void add_set_elements(const nftnl_set& set, std::string op);
  /// `delete element`: the elements held by `set`, each of which must be in the set (else
  /// ENOENT); with no element held, every element of the set (`flush set`).
  void delete_set_elements(const nftnl_set& set, std::string op);
  /// Number of messages between BEGIN and END.
  std::size_t size() const noexcept { return ops_.size(); }

  /// Sends the batch and reads every ack. Returns the first failure, nullopt when the kernel
  /// applied it. Throws cni::Error only when the exchange itself failed (send/receive errors,
  /// acks missing). An empty batch is not sent. The batch is spent afterwards.
  std::optional<BatchFailure> try_commit();
  /// try_commit(), throwing the failure as a cni::Error.
  void commit();

 private:
  // Starts a message of `type` in the batch buffer; returns it for the payload.
  nlmsghdr* begin_message(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                          std::string op);
  // Moves the batch buffer past the message just built.
  void end_message();

  Socket& sock_;
  BatchPtr batch_;
  std::uint32_t first_seq_;
  std::vector<std::string> ops_;  // ops_[i] describes the message with seq first_seq_ + 1 + i
};

}  // namespace cni::nft

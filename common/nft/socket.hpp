#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netns/netns.hpp"
#include "nft/handle.hpp"

struct nlmsghdr;

namespace cni::nft {

/// The kernel's answer to one request (an NLMSG_ERROR message): its sequence number, the
/// errno (positive; 0 for a plain acknowledgement) and the extended-ack message, if any.
struct Ack {
  std::uint32_t seq = 0;
  int error = 0;
  std::string message;
};

/// Reads an NLMSG_ERROR message; nullopt for any other message type or a short message.
std::optional<Ack> parse_ack(const nlmsghdr& msg);

/// A NETLINK_NETFILTER socket (libmnl). A netlink socket stays bound to the network namespace
/// it was created in, so every request on it acts there whatever namespace the calling thread
/// is in later. Move-only; not for concurrent use from several threads.
class Socket {
 public:
  /// Opens a socket in the calling thread's current network namespace.
  Socket();
  /// Opens a socket inside `ns`: enters it for the duration of this call only.
  static Socket in(const netns::Handle& ns);

  /// Reserves `count` consecutive sequence numbers and returns the first.
  std::uint32_t next_seq(std::uint32_t count = 1) noexcept;
  /// The socket's netlink port id (the kernel addresses its replies to it).
  std::uint32_t portid() const noexcept;

  /// Sends the buffers as one netlink datagram (a batch). Throws cni::Error naming `op`.
  void send(const std::vector<iovec>& iov, std::string_view op);

  /// Hands every message already queued on the socket to `on_message`, without waiting: the
  /// kernel answers a batch while sendmsg runs, so its acks are all queued when send()
  /// returns. Messages addressed to another port are skipped. Throws cni::Error naming `op`.
  void drain(const std::function<void(const nlmsghdr&)>& on_message, std::string_view op);

  /// Sends the dump request `request` (its nlmsg_seq set) and hands each reply message to
  /// `on_message` until the kernel says it is done. Returns false when the kernel flagged the
  /// dump as interrupted by a concurrent change (NLM_F_DUMP_INTR): what was handed over is
  /// inconsistent and the caller should dump again. Throws cni::Error naming `op` on failure.
  bool dump(const nlmsghdr& request, const std::function<void(const nlmsghdr&)>& on_message,
            std::string_view op);

  /// Sends the request `request` for one object (a GETCHAIN, GETSET, GETSETELEM ..., its
  /// nlmsg_seq set and NLM_F_ACK flagged) and reads the answer: true when the kernel found the
  /// object, false when it answered ENOENT (the object, or its table, does not exist). Throws
  /// cni::Error naming `op` on any other failure.
  bool get(const nlmsghdr& request, std::string_view op);

 private:
  // Reads one datagram into buffer_; returns its length, 0 when nothing is queued and
  // `wait` is false. Throws on failure.
  std::size_t receive(bool wait, std::string_view op);

  MnlSocketPtr sock_;
  std::uint32_t seq_ = 0;
  std::vector<char> buffer_;
};

}  // namespace cni::nft

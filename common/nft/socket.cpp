#include "nft/socket.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

// Large enough for one dump datagram (the kernel fills at most 32 KiB per read).
constexpr std::size_t kReceiveChunk = std::size_t{64} * 1024;
// Room for the acks of a large batch: they are all queued before the first read.
constexpr int kReceiveBuffer = 1 << 20;
// Below the default socket send buffer (net.core.wmem_default, 208 KiB on most hosts).
constexpr std::size_t kDefaultSendRoom = std::size_t{128} * 1024;

void set_option(int fd, int level, int name, int value) {
  // Best effort: an older kernel without an option still works, with terser errors.
  setsockopt(fd, level, name, &value, sizeof value);
}

// Calls on_message for every message of the datagram addressed to `portid`.
void for_each_message(const char* data, std::size_t len, std::uint32_t portid,
                      const std::function<void(const nlmsghdr&)>& on_message) {
  const auto* msg = reinterpret_cast<const nlmsghdr*>(data);
  int left = static_cast<int>(len);
  while (mnl_nlmsg_ok(msg, left)) {
    if (msg->nlmsg_pid == portid || msg->nlmsg_pid == 0) on_message(*msg);
    msg = mnl_nlmsg_next(msg, &left);
  }
}

}  // namespace

std::optional<Ack> parse_ack(const nlmsghdr& msg) {
  if (msg.nlmsg_type != NLMSG_ERROR || msg.nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
    return std::nullopt;
  }
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(&msg));
  Ack ack{.seq = err->msg.nlmsg_seq, .error = -err->error};
  if ((msg.nlmsg_flags & NLM_F_ACK_TLVS) == 0) return ack;

  // Extended ack: attributes after the error header and, unless capped, the echoed request.
  std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if ((msg.nlmsg_flags & NLM_F_CAPPED) == 0)
    offset += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
  const char* base = reinterpret_cast<const char*>(&msg);
  for (std::size_t at = offset; at + sizeof(nlattr) <= msg.nlmsg_len;) {
    const auto* attr = reinterpret_cast<const nlattr*>(base + at);
    if (attr->nla_len < sizeof(nlattr) || at + attr->nla_len > msg.nlmsg_len) break;
    if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      const char* text = base + at + NLA_HDRLEN;
      ack.message.assign(text, strnlen(text, attr->nla_len - NLA_HDRLEN));
    }
    at += NLA_ALIGN(attr->nla_len);
  }
  return ack;
}

Socket::Socket() : buffer_(kReceiveChunk) {
  sock_.reset(mnl_socket_open(NETLINK_NETFILTER));
  if (!sock_) throw nft_error(errno, "open nftables netlink socket");
  if (mnl_socket_bind(sock_.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    throw nft_error(errno, "bind nftables netlink socket");
  }
  const int fd = mnl_socket_get_fd(sock_.get());
  set_option(fd, SOL_SOCKET, SO_RCVBUF, kReceiveBuffer);
  set_option(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  set_option(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
  seq_ = static_cast<std::uint32_t>(std::time(nullptr));
}

Socket Socket::in(const netns::Handle& ns) {
  netns::Enter enter(ns);
  return Socket();
}

std::uint32_t Socket::next_seq(std::uint32_t count) noexcept {
  const std::uint32_t first = seq_;
  seq_ += count;
  return first;
}

std::uint32_t Socket::portid() const noexcept {
  return mnl_socket_get_portid(sock_.get());
}

void Socket::send(const std::vector<iovec>& iov, std::string_view op) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = const_cast<iovec*>(iov.data());
  msg.msg_iovlen = iov.size();
  std::size_t total = 0;
  for (const auto& v : iov)
    total += v.iov_len;
  // A datagram larger than the send buffer is refused (EMSGSIZE): grow the buffer for a large
  // batch, past net.core.wmem_max if we may (CAP_NET_ADMIN), as nft does.
  if (total > kDefaultSendRoom) {
    const int fd = mnl_socket_get_fd(sock_.get());
    set_option(fd, SOL_SOCKET, SO_SNDBUFFORCE, static_cast<int>(total));
    set_option(fd, SOL_SOCKET, SO_SNDBUF, static_cast<int>(total));
  }
  ssize_t sent = 0;
  do {
    sent = sendmsg(mnl_socket_get_fd(sock_.get()), &msg, 0);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) throw nft_error(errno, op);
}

std::size_t Socket::receive(bool wait, std::string_view op) {
  for (;;) {
    const ssize_t n = recv(mnl_socket_get_fd(sock_.get()), buffer_.data(), buffer_.size(),
                           wait ? 0 : MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (!wait && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    throw nft_error(errno, op);
  }
}

void Socket::drain(const std::function<void(const nlmsghdr&)>& on_message, std::string_view op) {
  while (const std::size_t n = receive(false, op))
    for_each_message(buffer_.data(), n, portid(), on_message);
}

bool Socket::dump(const nlmsghdr& request, const std::function<void(const nlmsghdr&)>& on_message,
                  std::string_view op) {
  send({iovec{const_cast<nlmsghdr*>(&request), request.nlmsg_len}}, op);
  bool done = false;
  bool interrupted = false;
  int failure = 0;
  std::string failure_message;
  while (!done) {
    const std::size_t n = receive(true, op);
    for_each_message(buffer_.data(), n, portid(), [&](const nlmsghdr& msg) {
      if (done || msg.nlmsg_seq != request.nlmsg_seq) return;
      if ((msg.nlmsg_flags & NLM_F_DUMP_INTR) != 0) interrupted = true;
      if (msg.nlmsg_type == NLMSG_DONE) {
        // The kernel reports a failure in the middle of a dump as a negative int here.
        if (msg.nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          int status = 0;
          std::memcpy(&status, mnl_nlmsg_get_payload(&msg), sizeof status);
          if (status < 0) failure = -status;
        }
        done = true;
      } else if (auto ack = parse_ack(msg)) {
        if (ack->error != 0) {
          failure = ack->error;
          failure_message = ack->message;
        }
        done = true;
      } else if (!interrupted && failure == 0) {
        on_message(msg);
      }
    });
  }
  if (failure == EINTR) return false;
  if (failure != 0) throw nft_error(failure, op, failure_message);
  return !interrupted;
}

bool Socket::get(const nlmsghdr& request, std::string_view op) {
  send({iovec{const_cast<nlmsghdr*>(&request), request.nlmsg_len}}, op);
  // The kernel answers while sendmsg runs: the object (when found), then the ack.
  std::optional<Ack> ack;
  drain(
      [&](const nlmsghdr& reply) {
        if (reply.nlmsg_seq == request.nlmsg_seq && !ack) ack = parse_ack(reply);
      },
      op);
  if (!ack) throw nft_error(EPROTO, std::string(op) + " (no answer)");
  if (ack->error == ENOENT) return false;
  if (ack->error != 0) throw nft_error(ack->error, std::string(op), ack->message);
  return true;
}

}  // namespace cni::nft

#include "netlink/socket.hpp"

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include <cstring>

namespace cni::nl {

struct Socket::State {
  KernelError last;
};

namespace {

// Large enough that a dump of a busy host namespace (many routes or links) is not dropped.
constexpr int kReceiveBuffer = 1 << 20;

// Called by libnl for every NLMSG_ERROR with a non-zero error. Records the errno and the
// extended-ack message; NL_STOP makes libnl return its usual mapped code.
int on_error(sockaddr_nl* /*who*/, nlmsgerr* err, void* arg) {
  auto* state = static_cast<KernelError*>(arg);
  state->error = -err->error;
  state->message.clear();

  const auto* hdr =
      reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(err) - NLMSG_HDRLEN);
  if ((hdr->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return NL_STOP;
  std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if ((hdr->nlmsg_flags & NLM_F_CAPPED) == 0) {
    offset += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;  // the echoed request
  }
  if (hdr->nlmsg_len <= offset) return NL_STOP;

  auto* attrs =
      reinterpret_cast<nlattr*>(const_cast<char*>(reinterpret_cast<const char*>(hdr) + offset));
  nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
  if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, static_cast<int>(hdr->nlmsg_len - offset), nullptr) <
      0) {
    return NL_STOP;
  }
  if (nlattr* m = tb[NLMSGERR_ATTR_MSG]) {
    const auto* text = static_cast<const char*>(nla_data(m));
    state->message.assign(text, strnlen(text, static_cast<std::size_t>(nla_len(m))));
  }
  return NL_STOP;
}

}  // namespace

Socket::Socket() : state_(std::make_unique<State>()) {
  CbPtr cb(nl_cb_alloc(NL_CB_DEFAULT));
  if (!cb) throw Error(Code::Netlink, "open netlink socket: out of memory");
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &state_->last);
  sock_.reset(nl_socket_alloc_cb(cb.get()));  // takes its own reference to cb
  if (!sock_) throw Error(Code::Netlink, "open netlink socket: out of memory");
  check(nl_connect(sock_.get(), NETLINK_ROUTE), "open netlink socket", "");

  // Best effort: an older kernel without these options still works, with terser errors.
  nl_socket_set_buffer_size(sock_.get(), kReceiveBuffer, 0);
  const int fd = nl_socket_get_fd(sock_.get());
  const int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  // Size each receive buffer from the pending message instead of a fixed page multiple.
  nl_socket_enable_msg_peek(sock_.get());
}

Socket::Socket(Socket&&) noexcept = default;
Socket& Socket::operator=(Socket&&) noexcept = default;
Socket::~Socket() = default;

Socket Socket::in(const netns::Handle& ns) {
  netns::Enter enter(ns);
  return Socket();
}

nl_sock* Socket::request() noexcept {
  state_->last.error = 0;
  state_->last.message.clear();
  return sock_.get();
}

const KernelError& Socket::kernel_error() const noexcept {
  return state_->last;
}

void Socket::fail(int rc, std::string_view op, std::string_view target) const {
  throw_nl(rc, op, target, state_->last);
}

}  // namespace cni::nl

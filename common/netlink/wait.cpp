#include "netlink/wait.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "sys/unique_fd.hpp"

namespace cni::nl {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr int kEventBuffer = 1 << 18;            // socket receive queue
constexpr std::size_t kMessageBuffer = 1 << 16;  // one recv: link events are a few KiB

// A non-blocking NETLINK_ROUTE socket subscribed to link events, in the calling thread's
// current namespace; an empty fd when that fails.
sys::UniqueFd open_listener() {
  sys::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (!fd) return fd;
  const int size = kEventBuffer;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) return {};
  const int group = RTNLGRP_LINK;
  if (::setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
    return {};
  }
  return fd;
}

// A listener in the namespace `sock` lives in (SIOCGSKNS), entered only if it is not the
// calling thread's; an empty fd when the namespace cannot be reached.
sys::UniqueFd listener_beside(const Socket& sock) {
  const int nsfd = ::ioctl(nl_socket_get_fd(sock.get()), SIOCGSKNS);
  if (nsfd < 0) return {};
  sys::UniqueFd owned(nsfd);
  try {
    auto ns = netns::Handle::open("/proc/self/fd/" + std::to_string(nsfd));
    if (!ns) return {};
    if (ns->same_as(netns::Handle::current())) return open_listener();
    netns::Enter enter(*ns);
    return open_listener();
  } catch (const Error&) {
    return {};
  }
}

enum class Seen { Nothing, Up, Gone };

// Reads every pending event; what they say about `ifindex` (the last word wins), or nullopt
// when events were lost (ENOBUFS) and the state must be read again.
std::optional<Seen> drain(int fd, int ifindex, std::vector<char>& buf) {
  Seen seen = Seen::Nothing;
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return seen;
      return std::nullopt;  // ENOBUFS: the queue overflowed
    }
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, len);
         h = nlmsg_next(h, &len)) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(h));
      if (ifi->ifi_index != ifindex) continue;
      if (h->nlmsg_type == RTM_DELLINK) {
        seen = Seen::Gone;
        continue;
      }
      nlattr* tb[IFLA_MAX + 1] = {};
      if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) continue;
      if (!tb[IFLA_OPERSTATE]) continue;
      seen = nla_get_u8(tb[IFLA_OPERSTATE]) == static_cast<std::uint8_t>(OperState::Up)
                 ? Seen::Up
                 : Seen::Nothing;
    }
  }
}

// The current state read on `sock`.
Seen current(Socket& sock, int ifindex) {
  auto l = find_link(sock, ifindex);
  if (!l) return Seen::Gone;
  return l->oper_state() == OperState::Up ? Seen::Up : Seen::Nothing;
}

bool poll_state(Socket& sock, int ifindex, Clock::time_point deadline) {
  for (;;) {
    const Seen s = current(sock, ifindex);
    if (s != Seen::Nothing) return s == Seen::Up;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, deadline - Clock::now()));
  }
}

}  // namespace

bool wait_oper_up(Socket& sock, int ifindex, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const sys::UniqueFd fd = listener_beside(sock);  // subscribe first, then look
  if (!fd) return poll_state(sock, ifindex, deadline);

  std::vector<char> buf(kMessageBuffer);
  Seen s = current(sock, ifindex);
  for (;;) {
    if (s != Seen::Nothing) return s == Seen::Up;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) return poll_state(sock, ifindex, deadline);
    if (ready <= 0) continue;
    const auto events = drain(fd.get(), ifindex, buf);
    s = events ? *events : current(sock, ifindex);
  }
}

}  // namespace cni::nl

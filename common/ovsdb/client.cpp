#include "ovsdb/client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cni/error.hpp"
#include "ovsdb/datum.hpp"

namespace cni::ovsdb {

namespace {
using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& msg) {
  throw Error(Code::Ovsdb, "ovsdb: " + msg);
}

std::string errno_text(int err) {
  return std::strerror(err);  // NOLINT(concurrency-mt-unsafe): single-threaded caller
}

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int rc = ::poll(&p, 1, ms_left(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) fail(std::string("poll: ") + errno_text(errno));
  }
}
}  // namespace

Endpoint parse_endpoint(std::string_view spec, std::string_view field) {
  const std::string f(field);
  Endpoint ep;
  ep.text = std::string(spec);
  auto bad = [&](const std::string& why) {
    throw Error(Code::InvalidConfig, f + ": " + why + " (\"" + ep.text + "\")");
  };
  if (spec.starts_with("unix:")) {
    ep.kind = Endpoint::Kind::Unix;
    ep.path = std::string(spec.substr(5));
    if (ep.path.empty()) bad("empty socket path");
    if (ep.path.size() >= sizeof(sockaddr_un{}.sun_path)) bad("socket path too long");
    return ep;
  }
  if (spec.starts_with("tcp:")) {
    ep.kind = Endpoint::Kind::Tcp;
    std::string_view rest = spec.substr(4);
    std::string_view host;
    std::string_view port;
    if (rest.starts_with("[")) {
      auto close = rest.find(']');
      if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
        bad("expected tcp:[IPv6]:PORT");
      host = rest.substr(1, close - 1);
      port = rest.substr(close + 2);
    } else {
      auto colon = rest.rfind(':');
      if (colon == std::string_view::npos) bad("expected tcp:HOST:PORT");
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    ep.host = std::string(host);
    int p = 0;
    if (port.empty() || port.size() > 5) bad("bad port");
    for (char c : port) {
      if (c < '0' || c > '9') bad("bad port");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) bad("port out of range");
    ep.port = p;
    in6_addr a6{};
    in_addr a4{};
    if (::inet_pton(AF_INET, ep.host.c_str(), &a4) != 1 &&
        ::inet_pton(AF_INET6, ep.host.c_str(), &a6) != 1)
      bad("the host must be a numeric IP address");
    return ep;
  }
  if (spec.starts_with("ssl:")) bad("ssl: is not supported (use unix: or tcp:)");
  bad("must start with unix: or tcp:");
  return ep;  // not reached
}

Client Client::connect(const Endpoint& ep, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_UNIX;
  if (ep.kind == Endpoint::Kind::Unix) {
    auto* un =
        reinterpret_cast<sockaddr_un*>(&ss);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, ep.path.c_str(), ep.path.size() + 1);
    len = sizeof(sockaddr_un);
  } else {
    auto* in4 =
        reinterpret_cast<sockaddr_in*>(&ss);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    auto* in6 = reinterpret_cast<sockaddr_in6*>(
        &ss);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    if (::inet_pton(AF_INET, ep.host.c_str(), &in4->sin_addr) == 1) {
      family = AF_INET;
      in4->sin_family = AF_INET;
      in4->sin_port = htons(static_cast<std::uint16_t>(ep.port));
      len = sizeof(sockaddr_in);
    } else {
      family = AF_INET6;
      ::inet_pton(AF_INET6, ep.host.c_str(), &in6->sin6_addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(static_cast<std::uint16_t>(ep.port));
      len = sizeof(sockaddr_in6);
    }
  }
  sys::UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) fail("socket: " + errno_text(errno));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    if (err != EINPROGRESS) {
      fail("connect " + ep.text + ": " + errno_text(err) + " (is ovsdb-server running?)");
    }
    if (!wait_fd(fd.get(), POLLOUT, deadline)) {
      fail("connect " + ep.text + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
    int so = 0;
    socklen_t so_len = sizeof(so);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so, &so_len);
    if (so != 0) fail("connect " + ep.text + ": " + errno_text(so) + " (is ovsdb-server running?)");
  }
  return Client(std::move(fd), timeout, ep.text);
}

Client::Client(sys::UniqueFd fd, std::chrono::milliseconds timeout, std::string peer)
    : fd_(std::move(fd)), timeout_(timeout), peer_(std::move(peer)) {
  const int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK);
}

void Client::send(const json& msg) {
  const std::string text = msg.dump();
  const auto deadline = Clock::now() + timeout_;
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::send(fd_.get(), text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd_.get(), POLLOUT, deadline)) fail(peer_ + ": send timed out");
      continue;
    }
    fail(peer_ + ": send: " + errno_text(errno));
  }
}

json Client::receive(Clock::time_point deadline) {
  for (;;) {
    if (auto text = splitter_.next()) {
      json msg = json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (msg.is_discarded() || !msg.is_object())
        fail(peer_ + ": protocol error: malformed message");
      return msg;
    }
    if (!wait_fd(fd_.get(), POLLIN, deadline)) {
      fail(peer_ + ": no reply within " + std::to_string(timeout_.count()) + " ms");
    }
    char buf[16384];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    if (n == 0) fail(peer_ + ": connection closed by the server");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      fail(peer_ + ": recv: " + errno_text(errno));
    }
    splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

json Client::call(const std::string& method, const json& params) {
  const long long id = next_id_++;
  send(json{{"method", method}, {"params", params}, {"id", id}});
  const auto deadline = Clock::now() + timeout_;
  for (;;) {
    json msg = receive(deadline);
    auto m = msg.find("method");
    if (m != msg.end() && m->is_string()) {
      // A request or notification from the server: echo is answered, the rest ignored.
      if (*m == "echo" && msg.contains("id")) {
        send(json{
            {"result", msg.value("params", json::array())}, {"error", nullptr}, {"id", msg["id"]}});
      }
      continue;
    }
    auto mid = msg.find("id");
    if (mid == msg.end() || !mid->is_number_integer() || mid->get<long long>() != id) continue;
    auto err = msg.find("error");
    if (err != msg.end() && !err->is_null()) {
      std::string text = method + ": ";
      text += err->is_string() ? err->get<std::string>() : err->dump();
      fail(text);
    }
    auto res = msg.find("result");
    if (res == msg.end()) fail(peer_ + ": protocol error: a reply without result");
    return *res;
  }
}

std::vector<json> Client::transact(const std::string& db, const json& ops) {
  json params = json::array({db});
  for (const auto& op : ops)
    params.push_back(op);
  return check_transact_result(ops, call("transact", params));
}

}  // namespace cni::ovsdb

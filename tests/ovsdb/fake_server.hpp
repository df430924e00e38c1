#pragma once

// A fake OVSDB server on one end of a socketpair, in a thread: each request it reads is handed
// to a handler that returns the raw bytes to write back (possibly several messages, partial
// ones, or nothing). The client under test gets the other end.

#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ovsdb/client.hpp"
#include "ovsdb/stream.hpp"
#include "sys/unique_fd.hpp"

namespace cni::test {

class FakeOvsdb {
 public:
  using Handler = std::function<std::vector<std::string>(const nlohmann::json& request)>;

  explicit FakeOvsdb(Handler h) : handler_(std::move(h)) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw std::runtime_error("socketpair");
    client_fd_.reset(fds[0]);
    server_fd_.reset(fds[1]);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeOvsdb() {
    ::shutdown(server_fd_.get(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
  }
  FakeOvsdb(const FakeOvsdb&) = delete;
  FakeOvsdb& operator=(const FakeOvsdb&) = delete;

  /// A client on the other end (only one: it takes the fd).
  ovsdb::Client client(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    return ovsdb::Client(std::move(client_fd_), timeout, "fake");
  }
  /// Every message the server received, in order.
  std::vector<nlohmann::json> received() {
    std::lock_guard<std::mutex> l(mu_);
    return received_;
  }
  /// Closes the server's end (the client then sees the connection closed).
  void close_server() { ::shutdown(server_fd_.get(), SHUT_RDWR); }

 private:
  void serve() {
    ovsdb::MessageSplitter split;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(server_fd_.get(), buf, sizeof(buf));
      if (n <= 0) return;
      split.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      while (auto text = split.next()) {
        auto msg = nlohmann::json::parse(*text);
        {
          std::lock_guard<std::mutex> l(mu_);
          received_.push_back(msg);
        }
        for (const auto& out : handler_(msg)) {
          if (::write(server_fd_.get(), out.data(), out.size()) != static_cast<ssize_t>(out.size()))
            return;
        }
      }
    }
  }

  Handler handler_;
  sys::UniqueFd client_fd_;
  sys::UniqueFd server_fd_;
  std::mutex mu_;
  std::vector<nlohmann::json> received_;
  std::thread thread_;
};

/// A reply {"id", "result", "error": null} as text.
inline std::string reply(const nlohmann::json& req, const nlohmann::json& result) {
  return nlohmann::json{{"id", req["id"]}, {"result", result}, {"error", nullptr}}.dump();
}

}  // namespace cni::test

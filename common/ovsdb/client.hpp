#pragma once

// A small RFC 7047 JSON-RPC client: one connection, one request at a time, every wait bounded.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ovsdb/stream.hpp"
#include "sys/unique_fd.hpp"

namespace cni::ovsdb {

using nlohmann::json;

/// Where the server listens: "unix:PATH" or "tcp:HOST:PORT" (a numeric IPv4/IPv6 host;
/// "tcp:[v6]:port" too). "ssl:" is refused (no TLS here).
struct Endpoint {
  enum class Kind { Unix, Tcp } kind = Kind::Unix;
  std::string path;  // Unix
  std::string host;  // Tcp
  int port = 0;      // Tcp
  std::string text;  // as given, for messages
};

inline constexpr std::string_view kDefaultSocket = "unix:/var/run/openvswitch/db.sock";

/// Parses `spec`; throws cni::Error(InvalidConfig) prefixed with `field` ("socket_file: ...").
Endpoint parse_endpoint(std::string_view spec, std::string_view field);

class Client {
 public:
  /// Connects within `timeout` (a non-blocking connect). Throws cni::Error(Ovsdb):
  /// "ovsdb: connect unix:/path: No such file or directory (is ovsdb-server running?)".
  static Client connect(const Endpoint& ep, std::chrono::milliseconds timeout);

  /// Over an already connected stream socket (tests: one end of a socketpair). `timeout`
  /// bounds every reply.
  Client(sys::UniqueFd fd, std::chrono::milliseconds timeout, std::string peer = "ovsdb");

  /// Sends {"method", "params", "id"} and returns the reply's "result". An "echo" request
  /// from the server in between is answered; other messages (notifications, stale replies)
  /// are skipped. Throws cni::Error(Ovsdb) on a JSON-RPC error, a closed connection, a
  /// malformed message, or no reply within the timeout.
  json call(const std::string& method, const json& params);

  /// transact on database `db` with `ops`; per-operation errors are thrown
  /// (check_transact_result). Returns one element per operation.
  std::vector<json> transact(const std::string& db, const json& ops);

  /// The reply timeout.
  std::chrono::milliseconds timeout() const noexcept { return timeout_; }
  /// Changes the reply timeout (a server-side "wait" with a timeout needs a longer one).
  void set_timeout(std::chrono::milliseconds t) noexcept { timeout_ = t; }

 private:
  void send(const json& msg);
  json receive(std::chrono::steady_clock::time_point deadline);

  sys::UniqueFd fd_;
  std::chrono::milliseconds timeout_;
  std::string peer_;
  MessageSplitter splitter_;
  long long next_id_ = 1;
};

}  // namespace cni::ovsdb

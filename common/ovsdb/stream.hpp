#pragma once

// OVSDB's JSON-RPC messages arrive back to back on the stream with no delimiter: the reader
// must find where each JSON value ends. Pure code (no I/O), so it is unit-tested and fuzzed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cni::ovsdb {

/// Splits a byte stream into complete top-level JSON objects (RFC 7047 messages are objects).
/// Strings and escapes are tracked, so braces inside strings do not count. Whitespace between
/// messages is skipped; anything else outside an object, or a message larger than
/// kMaxMessage, is a protocol error (cni::Error Ovsdb).
class MessageSplitter {
 public:
  static constexpr std::size_t kMaxMessage = 16U << 20U;

  /// Appends received bytes.
  void feed(std::string_view bytes);
  /// The next complete message's text, if one is buffered.
  std::optional<std::string> next();
  /// Bytes buffered that are not yet a complete message.
  std::size_t pending() const noexcept { return buf_.size(); }

 private:
  std::string buf_;
  std::size_t scanned_ = 0;  // bytes of buf_ already scanned
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace cni::ovsdb

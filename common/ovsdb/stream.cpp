#include "ovsdb/stream.hpp"

#include "cni/error.hpp"

namespace cni::ovsdb {

void MessageSplitter::feed(std::string_view bytes) {
  buf_.append(bytes);
}

std::optional<std::string> MessageSplitter::next() {
  while (scanned_ < buf_.size()) {
    const char c = buf_[scanned_++];
    if (depth_ == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        buf_.erase(0, scanned_);
        scanned_ = 0;
        continue;
      }
      if (c != '{') {
        throw Error(Code::Ovsdb, "ovsdb: protocol error: a message does not start with '{' (got " +
                                     std::to_string(static_cast<unsigned char>(c)) + ")");
      }
      depth_ = 1;
      continue;
    }
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        std::string msg = buf_.substr(0, scanned_);
        buf_.erase(0, scanned_);
        scanned_ = 0;
        return msg;
      }
    }
  }
  if (buf_.size() > kMaxMessage) {
    throw Error(Code::Ovsdb, "ovsdb: protocol error: a message larger than " +
                                 std::to_string(kMaxMessage) + " bytes");
  }
  return std::nullopt;
}

}  // namespace cni::ovsdb

#include "net/ip.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace cni::net {

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
  IpAddress a;
  a.family_ = Family::V4;
  for (std::size_t i = 0; i < 4; ++i)
    a.bytes_[i] = b[i];
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> b) {
  IpAddress a;
  a.family_ = Family::V6;
  a.bytes_ = b;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view s) {
  if (s.empty() || s.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(s);  // inet_pton needs a NUL-terminated string
  if (text.find('\0') != std::string::npos) return std::nullopt;
  IpAddress a;
  if (text.find(':') == std::string::npos) {
    a.family_ = Family::V4;
    if (inet_pton(AF_INET, text.c_str(), a.bytes_.data()) != 1) return std::nullopt;
  } else {
    a.family_ = Family::V6;
    if (inet_pton(AF_INET6, text.c_str(), a.bytes_.data()) != 1) return std::nullopt;
  }
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf);
    return buf;
  }
  // RFC 5952 by hand: glibc's inet_ntop prints IPv4-compatible addresses (::/96) with an embedded
  // dotted quad ("::1:2" -> "::0.1.0.2"), which neither RFC 5952 nor Go does. Only IPv4-mapped
  // addresses (::ffff:0:0/96) keep the mixed notation (RFC 5952 section 5).
  std::array<unsigned, 8> words{};
  for (std::size_t i = 0; i < 8; ++i)
    words[i] = (unsigned{bytes_[2 * i]} << 8) | bytes_[2 * i + 1];
  const bool v4_mapped = words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0 &&
                         words[4] == 0 && words[5] == 0xffff;
  const std::size_t hex_words = v4_mapped ? 6 : 8;
  // The longest run of at least two zero words, the first one on a tie.
  std::size_t best_start = 0;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < hex_words;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < hex_words && words[j] == 0)
      ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_len = 0;
  std::string out;
  for (std::size_t i = 0; i < hex_words; ++i) {
    if (best_len != 0 && i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char word[8] = {};
    std::snprintf(word, sizeof word, "%x", words[i]);
    out += word;
  }
  if (v4_mapped) {
    if (out.back() != ':') out += ':';
    inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
    out += buf;
  }
  return out;
}

bool IpAddress::is_loopback() const noexcept {
  if (is_v4()) return bytes_[0] == 127;
  for (std::size_t i = 0; i < 15; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[15] == 1;
}

bool IpAddress::is_unspecified() const noexcept {
  for (std::size_t i = 0; i < byte_length(); ++i) {
    if (bytes_[i] != 0) return false;
  }
  return true;
}

IpAddress IpAddress::next() const noexcept {
  IpAddress r = *this;
  for (std::size_t i = byte_length(); i-- > 0;) {
    if (++r.bytes_[i] != 0) break;
  }
  return r;
}

IpAddress IpAddress::prev() const noexcept {
  IpAddress r = *this;
  for (std::size_t i = byte_length(); i-- > 0;) {
    if (r.bytes_[i]-- != 0) break;
  }
  return r;
}

Prefix::Prefix(IpAddress addr, int len) : addr_(addr), len_(len) {
  if (len_ < 0) len_ = 0;
  if (len_ > addr_.bit_length()) len_ = addr_.bit_length();
}

std::optional<Prefix> Prefix::parse(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpAddress::parse(s.substr(0, slash));
  if (!addr) return std::nullopt;
  // Decimal digits only, leading zeros allowed (Go's dtoi: "/08" is 8; std::from_chars would also
  // take a sign, so "/-0" used to pass).
  auto len_text = s.substr(slash + 1);
  if (len_text.empty()) return std::nullopt;
  int len = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') return std::nullopt;
    len = len * 10 + (c - '0');
    if (len > addr->bit_length()) return std::nullopt;
  }
  return Prefix(*addr, len);
}

namespace {
// Keeps the first `len` bits of `b`, then sets (fill=true) or clears the rest.
std::array<std::uint8_t, 16> apply_mask(std::array<std::uint8_t, 16> b, std::size_t nbytes, int len,
                                        bool fill) {
  for (std::size_t i = 0; i < nbytes; ++i) {
    int bit_start = static_cast<int>(i) * 8;
    if (bit_start + 8 <= len) continue;
    int keep = len > bit_start ? len - bit_start : 0;
    auto mask = static_cast<std::uint8_t>(keep == 0 ? 0 : (0xFF << (8 - keep)) & 0xFF);
    b[i] = fill ? static_cast<std::uint8_t>(b[i] | ~mask) : static_cast<std::uint8_t>(b[i] & mask);
  }
  return b;
}

IpAddress with_bytes(const IpAddress& like, const std::array<std::uint8_t, 16>& b) {
  if (like.is_v4()) return IpAddress::v4({b[0], b[1], b[2], b[3]});
  return IpAddress::v6(b);
}
}  // namespace

Prefix Prefix::network() const noexcept {
  return Prefix(with_bytes(addr_, apply_mask(addr_.bytes(), addr_.byte_length(), len_, false)),
                len_);
}

IpAddress Prefix::last() const noexcept {
  return with_bytes(addr_, apply_mask(addr_.bytes(), addr_.byte_length(), len_, true));
}

bool Prefix::contains(const IpAddress& a) const noexcept {
  if (a.family() != family()) return false;
  return Prefix(a, len_).network().address() == network().address();
}

bool Prefix::overlaps(const Prefix& other) const noexcept {
  if (other.family() != family()) return false;
  return contains(other.network().address()) || other.contains(network().address());
}

std::string Prefix::to_string() const {
  return addr_.to_string() + "/" + std::to_string(len_);
}

}  // namespace cni::net

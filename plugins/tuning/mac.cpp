#include "mac.hpp"

namespace cni::tuning {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> normalise_mac(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  const char sep = s[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t at = i * 3;
    if (i > 0) {
      if (s[at - 1] != sep) return std::nullopt;
      out += ':';
    }
    const int hi = hex_digit(s[at]);
    const int lo = hex_digit(s[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += kHex[hi];
    out += kHex[lo];
  }
  return out;
}

bool is_assignable_mac(std::string_view normalised) {
  if (normalised.size() != 17) return false;
  if (normalised == "00:00:00:00:00:00") return false;
  return (hex_digit(normalised[1]) & 1) == 0;  // the I/G bit of the first octet
}

}  // namespace cni::tuning

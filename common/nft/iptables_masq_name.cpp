#include "nft/iptables_masq_name.hpp"

#include <cstdio>

#include "nft/sha512.hpp"

namespace cni::nft {
namespace {

constexpr std::string_view kChainPrefix = "CNI-";
constexpr std::size_t kChainLength = 28;  // utils.maxChainLength

// Go's %q (strconv.Quote) for ASCII text: `"` and `\` escaped, control characters as \a \b
// \f \n \r \t \v or \xHH. Network names and container IDs are [a-zA-Z0-9_.-] (the skel
// validates both), so only the surrounding quotes ever matter in practice.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string iptables_masq_chain(std::string_view network, std::string_view container_id) {
  std::string joined(network);
  joined += container_id;
  return std::string(kChainPrefix) +
         sha512_hex(joined).substr(0, kChainLength - kChainPrefix.size());
}

std::string iptables_masq_comment(std::string_view network, std::string_view container_id) {
  return "name: " + go_quote(network) + " id: " + go_quote(container_id);
}

std::optional<std::string> iptables_masq_comment_id(std::string_view comment,
                                                    std::string_view network) {
  const std::string head = "name: " + go_quote(network) + " id: \"";
  // The closing quote must come after the head, whose own last character is a quote.
  if (comment.size() <= head.size() || !comment.starts_with(head) || !comment.ends_with('"'))
    return std::nullopt;
  std::string_view id = comment.substr(head.size());
  id.remove_suffix(1);
  // An ID that needs escapes cannot come from a validated CNI_CONTAINERID: not ours to read.
  if (id.empty() || iptables_masq_comment(network, id) != comment) return std::nullopt;
  return std::string(id);
}

}  // namespace cni::nft

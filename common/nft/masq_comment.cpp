#include "nft/masq_comment.hpp"

#include <algorithm>

#include "nft/sha512.hpp"

namespace cni::nft {
namespace {

constexpr std::size_t kHashDigits = 16;
constexpr std::size_t kInstanceHashLen = 2 * kHashDigits + 1;

std::string h16(std::string_view s) {
  return sha512_hex(s).substr(0, kHashDigits);
}

std::string without_quotes(std::string s) {
  std::erase(s, '"');
  return s;
}

bool is_hex_run(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Splits `rest` at the first `sep`: returns what comes before it and leaves `rest` after it.
// Without `sep`, returns all of `rest` and sets `found` to false.
std::string take_until(std::string_view& rest, std::string_view sep, bool& found) {
  const auto pos = rest.find(sep);
  found = pos != std::string_view::npos;
  std::string head(rest.substr(0, pos));
  rest = found ? rest.substr(pos + sep.size()) : std::string_view{};
  return head;
}

}  // namespace

std::string masq_network_hash(std::string_view network) {
  return h16(network);
}

std::string masq_instance_hash(const MasqAttachment& a) {
  return h16(a.network) + "-" + h16(a.ifname + ":" + a.container_id);
}

std::string masq_comment(const MasqAttachment& a) {
  std::string c = masq_instance_hash(a) + ", net: " + without_quotes(a.network) +
                  ", if: " + without_quotes(a.ifname) + ", id: " + without_quotes(a.container_id);
  if (c.size() > kMasqCommentMax) c.resize(kMasqCommentMax);
  return c;
}

std::optional<MasqCommentFields> parse_masq_comment(std::string_view comment) {
  if (comment.size() < kInstanceHashLen || comment[kHashDigits] != '-' ||
      !is_hex_run(comment.substr(0, kHashDigits)) ||
      !is_hex_run(comment.substr(kHashDigits + 1, kHashDigits))) {
    return std::nullopt;
  }
  MasqCommentFields out;
  out.instance_hash = std::string(comment.substr(0, kInstanceHashLen));

  // Network names and container IDs cannot hold ", " and interface names hold no spaces, so
  // the separators are unambiguous; a cut comment just ends early.
  std::string_view rest = comment.substr(kInstanceHashLen);
  constexpr std::string_view kNet = ", net: ";
  if (!rest.starts_with(kNet)) return out;
  rest.remove_prefix(kNet.size());
  bool found = false;
  out.attachment.network = take_until(rest, ", if: ", found);
  if (found) out.attachment.ifname = take_until(rest, ", id: ", found);
  if (found) out.attachment.container_id = std::string(rest);
  out.verified = found && masq_instance_hash(out.attachment) == out.instance_hash;
  return out;
}

}  // namespace cni::nft

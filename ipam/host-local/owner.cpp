#include "owner.hpp"

#include "cni/validate.hpp"

namespace cni::ipam {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// An interface name as the skel admits it: no whitespace, control byte, '/' or ':', at most 15
// bytes.
bool plausible_ifname(std::string_view s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '/' || c == ':') return false;
  }
  return true;
}
}  // namespace

Owner Owner::parse(std::string_view content) {
  auto text = trim(content);
  auto sep = text.find("\r\n");
  if (sep == std::string_view::npos) {
    if (!is_safe_name(text)) return {};
    return legacy(std::string(text));
  }
  auto id = text.substr(0, sep);
  auto ifname = text.substr(sep + 2);
  if (!is_safe_name(id) || !plausible_ifname(ifname)) return {};
  return {Kind::Pair, std::string(id), std::string(ifname)};
}

std::string Owner::serialize() const {
  if (kind == Kind::Legacy) return container_id;
  return container_id + "\r\n" + ifname;
}

std::string describe(const Owner& o) {
  switch (o.kind) {
    case Owner::Kind::Pair:
      return "container " + o.container_id + " interface " + o.ifname;
    case Owner::Kind::Legacy:
      return "container " + o.container_id + " (legacy ID-only reservation)";
    case Owner::Kind::Unknown:
      break;
  }
  return "an unreadable reservation";
}

}  // namespace cni::ipam

#include "cni/validate.hpp"

#include <string>

#include "cni/error.hpp"

namespace cni {

namespace {
constexpr std::size_t kMaxIfnameBytes = 15;  // IFNAMSIZ - 1

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The reference's ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ (pkg/utils/utils.go).
bool matches_id_charset(std::string_view s) {
  if (s.empty() || !is_alnum(s.front())) return false;
  for (char c : s) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// Printable form of untrusted input for messages: control bytes as \xNN, length-capped.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 80; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 80) out += "...";
  return out + "\"";
}
}  // namespace

void validate_container_id(std::string_view id) {
  if (id.empty()) throw Error(Code::UnknownContainer, "CNI_CONTAINERID: missing container ID");
  if (!matches_id_charset(id)) {
    throw Error(Code::InvalidEnvironment,
                "CNI_CONTAINERID: invalid characters in container ID " + quote(id),
                "allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
}

void validate_ifname(std::string_view name, std::string_view field) {
  const std::string f(field);
  if (name.empty()) throw Error(Code::InvalidEnvironment, f + ": interface name is empty");
  if (name.size() > kMaxIfnameBytes) {
    throw Error(Code::InvalidEnvironment, f + ": interface name " + quote(name) + " is too long",
                "interface names are at most 15 bytes");
  }
  if (name == "." || name == "..") {
    throw Error(Code::InvalidEnvironment,
                f + ": interface name " + quote(name) + " is not allowed");
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == ':' || u <= 0x20 || u == 0x7f) {
      throw Error(Code::InvalidEnvironment,
                  f + ": interface name " + quote(name) +
                      " contains '/', ':', whitespace or a control character");
    }
  }
}

void validate_network_name(std::string_view name) {
  if (name.empty()) throw Error(Code::InvalidConfig, "name: missing network name");
  if (!matches_id_charset(name)) {
    throw Error(Code::InvalidConfig, "name: invalid characters in network name " + quote(name),
                "allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
}

bool is_safe_name(std::string_view s) {
  return matches_id_charset(s) && s != "." && s != "..";
}

}  // namespace cni

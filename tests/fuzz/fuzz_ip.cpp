// libFuzzer target: IP address and prefix text. The whole input is the text.
// Properties: format(parse(x)) parses back to the same value and is a fixed point; IPv6 text
// equals glibc's inet_ntop wherever glibc prints no embedded dotted quad; prefix arithmetic is
// consistent (network, last, contains, overlaps, next/prev).
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "net/ip.hpp"

namespace {

using cni::net::IpAddress;
using cni::net::Prefix;

void check_address(const IpAddress& a, std::string_view input) {
  const std::string text = a.to_string();
  auto back = IpAddress::parse(text);
  if (!back) cni::fuzz::finding("to_string does not parse back", text);
  if (*back != a) cni::fuzz::finding("parse(to_string(a)) != a", text);
  if (back->to_string() != text) cni::fuzz::finding("to_string is not a fixed point", text);
  if (!a.is_v4()) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(AF_INET6, a.bytes().data(), buf, sizeof buf)) {
      cni::fuzz::finding("inet_ntop failed", input);
    }
    const std::string glibc(buf);
    if (glibc.find('.') == std::string::npos && glibc != text) {
      cni::fuzz::finding("IPv6 text differs from inet_ntop", text + " vs " + glibc);
    }
  }
  if (a.next().prev() != a || a.prev().next() != a) {
    cni::fuzz::finding("next/prev are not inverse", text);
  }
}

void check_prefix(const Prefix& p) {
  const std::string text = p.to_string();
  auto back = Prefix::parse(text);
  if (!back) cni::fuzz::finding("Prefix::to_string does not parse back", text);
  if (*back != p) cni::fuzz::finding("Prefix parse(to_string(p)) != p", text);
  if (back->to_string() != text) cni::fuzz::finding("Prefix::to_string is not a fixed point", text);
  if (p.length() < 0 || p.length() > p.address().bit_length()) {
    cni::fuzz::finding("prefix length out of range", text);
  }
  const Prefix net = p.network();
  if (!net.is_network() || net.length() != p.length()) {
    cni::fuzz::finding("network() is not a network", text);
  }
  if (!p.contains(p.address()) || !p.contains(p.last()) || !p.contains(net.address()) ||
      !net.contains(p.address())) {
    cni::fuzz::finding("a prefix does not contain its own addresses", text);
  }
  if (!p.overlaps(net) || !net.overlaps(p)) cni::fuzz::finding("overlaps is not reflexive", text);
  if (p.length() > 0 && p.contains(p.last().next())) {
    cni::fuzz::finding("the address after last() is inside the prefix", text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = IpAddress::parse(text)) check_address(*a, text);
  if (auto p = Prefix::parse(text)) {
    check_address(p->address(), text);
    check_prefix(*p);
  }
  return 0;
}

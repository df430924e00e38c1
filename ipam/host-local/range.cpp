#include "range.hpp"

#include <nlohmann/json.hpp>

#include "cni/error.hpp"

namespace cni::ipam {

using nlohmann::json;

u128 to_u128(const net::IpAddress& a) noexcept {
  u128 v = 0;
  for (std::size_t i = 0; i < a.byte_length(); ++i)
    v = (v << 8) | a.bytes()[i];
  return v;
}

net::IpAddress canonical(const net::IpAddress& a) noexcept {
  if (a.is_v4()) return a;
  const auto& b = a.bytes();
  for (std::size_t i = 0; i < 10; ++i) {
    if (b[i] != 0) return a;
  }
  if (b[10] != 0xff || b[11] != 0xff) return a;
  return net::IpAddress::v4({b[12], b[13], b[14], b[15]});
}

bool Range::contains(const net::IpAddress& a) const noexcept {
  if (a.family() != subnet.family() || !subnet.contains(a)) return false;
  return start <= a && a <= end;
}

bool Range::is_skipped(const net::IpAddress& a) const noexcept {
  if (a == gateway || a == subnet.address()) return true;
  return a.is_v4() && a == subnet.last();
}

bool Range::overlaps(const Range& other) const noexcept {
  if (subnet.family() != other.subnet.family()) return false;
  return contains(other.start) || contains(other.end) || other.contains(start) ||
         other.contains(end);
}

u128 Range::size() const noexcept {
  const u128 lo = to_u128(start);
  const u128 hi = to_u128(end);
  u128 n = hi - lo + 1;
  if (n == 0) n = ~u128{0};  // the whole IPv6 space: 2^128 does not fit
  // Each distinct skipped address inside [start, end] is never handed out.
  net::IpAddress skipped[3] = {gateway, subnet.address(), subnet.last()};
  const int count = start.is_v4() ? 3 : 2;
  for (int i = 0; i < count; ++i) {
    bool dup = false;
    for (int k = 0; k < i; ++k)
      dup = dup || skipped[k] == skipped[i];
    if (!dup && contains(skipped[i])) --n;
  }
  return n;
}

std::string Range::to_string() const {
  return start.to_string() + "-" + end.to_string();
}

namespace {

// An optional string key: nullopt when absent, null or "" (Go's net.IP reads "" as nil).
std::optional<std::string> optional_text(const json& j, const char* key, const std::string& field) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw Error(Code::DecodingFailure, field + "." + key + ": must be a string");
  }
  auto s = it->get<std::string>();
  if (s.empty()) return std::nullopt;
  return s;
}

std::optional<net::IpAddress> optional_ip(const json& j, const char* key,
                                          const std::string& field) {
  auto text = optional_text(j, key, field);
  if (!text) return std::nullopt;
  auto ip = net::IpAddress::parse(*text);
  if (!ip) {
    throw Error(Code::InvalidConfig, field + "." + key + ": invalid IP address \"" + *text + "\"");
  }
  return canonical(*ip);
}

}  // namespace

Range parse_range(const json& j, const std::string& field) {
  if (!j.is_object()) throw Error(Code::DecodingFailure, field + ": must be a JSON object");
  Range r;
  r.field = field;
  const std::string sf = field + ".subnet";
  auto subnet_text = optional_text(j, "subnet", field);
  if (!subnet_text) throw Error(Code::InvalidConfig, sf + ": missing");
  auto subnet = net::Prefix::parse(*subnet_text);
  if (!subnet) throw Error(Code::InvalidConfig, sf + ": invalid CIDR \"" + *subnet_text + "\"");

  // Can't allocate from a network without host addresses: v4 /31, /32; v6 /127, /128.
  if (subnet->length() > subnet->address().bit_length() - 2) {
    throw Error(Code::InvalidConfig,
                sf + ": Network " + subnet->to_string() + " too small to allocate from");
  }
  if (!subnet->is_network()) {
    throw Error(Code::InvalidConfig,
                sf + ": Network has host bits set. For a subnet mask of length " +
                    std::to_string(subnet->length()) + " the network address is " +
                    subnet->network().address().to_string());
  }
  r.subnet = *subnet;
  const std::string net_text = subnet->to_string();

  auto inside = [&](const net::IpAddress& a) {
    return a.family() == r.subnet.family() && r.subnet.contains(a);
  };

  if (auto gw = optional_ip(j, "gateway", field)) {
    if (!inside(*gw)) {
      throw Error(Code::InvalidConfig,
                  field + ".gateway: gateway " + gw->to_string() + " not in network " + net_text);
    }
    r.gateway = *gw;
  } else {
    r.gateway = r.subnet.address().next();
  }

  if (auto start = optional_ip(j, "rangeStart", field)) {
    if (!inside(*start)) {
      throw Error(Code::InvalidConfig, field + ".rangeStart: RangeStart " + start->to_string() +
                                           " not in network " + net_text);
    }
    r.start = *start;
  } else {
    r.start = r.subnet.address().next();
  }

  if (auto end = optional_ip(j, "rangeEnd", field)) {
    if (!inside(*end)) {
      throw Error(Code::InvalidConfig, field + ".rangeEnd: RangeEnd " + end->to_string() +
                                           " not in network " + net_text);
    }
    if (*end < r.start) {
      throw Error(Code::InvalidConfig, field + ".rangeEnd: RangeEnd " + end->to_string() +
                                           " is before RangeStart " + r.start.to_string());
    }
    r.end = *end;
  } else {
    r.end = r.subnet.last();
    if (r.end.is_v4()) r.end = r.end.prev();  // not the broadcast address
  }
  return r;
}

}  // namespace cni::ipam

#include "config.hpp"

#include <nlohmann/json.hpp>

#include "cni/error.hpp"

namespace cni::bandwidth {

namespace {

using nlohmann::json;

constexpr const char* kFields[] = {"ingressRate", "ingressBurst", "egressRate", "egressBurst"};
// The reference refuses burst/8 >= MaxUint32 ("burst cannot be more than 4GB").
constexpr std::uint64_t kMaxBurstBytes = 0xFFFFFFFFULL;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw Error(Code::InvalidConfig, key + ": " + why);
}

// A uint64 as Go decodes one: a whole non-negative JSON number below 2^64; null is 0.
std::uint64_t u64_key(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return 0;
  const std::string name = where + key;
  if (!it->is_number()) throw Error(Code::DecodingFailure, name + ": must be a number");
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(it->get<std::int64_t>());
  }
  bad(name, it->dump() + " is not a whole number from 0 to 18446744073709551615");
}

std::optional<Limit> limit(const json& obj, const char* rate_key, const char* burst_key,
                           const std::string& where) {
  const Limit l{.rate = u64_key(obj, rate_key, where), .burst = u64_key(obj, burst_key, where)};
  const std::string rate = where + rate_key;
  const std::string burst = where + burst_key;
  if (l.rate == 0 && l.burst == 0) return std::nullopt;
  if (l.burst == 0) bad(burst, "must be set (bits, > 0) when " + rate + " is");
  if (l.rate == 0) bad(rate, "must be set (bits per second, > 0) when " + burst + " is");
  if (l.rate < 8) bad(rate, std::to_string(l.rate) + " is below 8 bits per second (one byte)");
  if (l.burst < 8) bad(burst, std::to_string(l.burst) + " is below 8 bits (one byte)");
  if (l.burst / 8 >= kMaxBurstBytes) {
    bad(burst, std::to_string(l.burst) + " bits is 4 GiB or more (the kernel's limit)");
  }
  return l;
}

bool has_any(const json& obj) {
  for (const char* f : kFields) {
    if (obj.contains(f)) return true;
  }
  return false;
}

}  // namespace

Config parse_config(const Request& req) {
  const json& raw = req.conf.raw;
  const json* src = &raw;
  Config c;
  if (!has_any(raw)) {
    const json& rc = req.conf.runtime_config;
    auto it = rc.is_object() ? rc.find("bandwidth") : rc.end();
    if (!rc.is_object() || it == rc.end() || it->is_null()) return c;
    if (!it->is_object()) {
      throw Error(Code::DecodingFailure, "runtimeConfig.bandwidth: must be an object");
    }
    src = &*it;
    c.where = "runtimeConfig.bandwidth.";
  }
  c.ingress = limit(*src, "ingressRate", "ingressBurst", c.where);
  c.egress = limit(*src, "egressRate", "egressBurst", c.where);
  return c;
}

}  // namespace cni::bandwidth

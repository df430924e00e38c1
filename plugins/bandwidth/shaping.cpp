#include "shaping.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cni/error.hpp"
#include "nft/sha512.hpp"

namespace cni::bandwidth {

namespace {

constexpr double kTimeUnitsPerSec = 1e6;  // the reference's netlink.TIME_UNITS_PER_SEC
constexpr double kLatencyUsec = 25000;    // 25 ms, as the reference
constexpr double kDefaultTicksPerUsec = 15.625;
constexpr std::size_t kIfbHashDigits = 12;  // 15 bytes of name minus "bwp"
constexpr std::size_t kMaxAlias = 255;
constexpr std::string_view kAliasTag = "cni-bandwidth";

// Go's uint32(float64) on amd64: through int64 (truncated toward zero), then the low 32 bits.
std::uint32_t go_uint32(double x) {
  constexpr double k2To63 = 9223372036854775808.0;
  if (!(x > -k2To63 && x < k2To63)) return 0;  // int64's "indefinite" value has low bits 0
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(static_cast<std::int64_t>(x)));
}

}  // namespace

std::optional<double> ticks_per_usec(std::string_view psched) {
  unsigned long long v[4] = {};
  const std::string s(psched);
  if (std::sscanf(s.c_str(), "%llx %llx %llx %llx", &v[0], &v[1], &v[2], &v[3]) != 4 || v[1] == 0) {
    return std::nullopt;
  }
  if (v[2] == 1000000000ULL) v[0] = v[1];  // the reference's compatibility rule
  const double clock_factor = static_cast<double>(v[2]) / kTimeUnitsPerSec;
  return static_cast<double>(v[0]) / static_cast<double>(v[1]) * clock_factor;
}

double kernel_ticks_per_usec() {
  std::ifstream in("/proc/net/psched");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto t = ticks_per_usec(text); t && *t > 0) return *t;
  return kDefaultTicksPerUsec;
}

nl::TbfParams tbf_params(const Limit& limit, double ticks_per_usec, const std::string& burst_key) {
  const std::uint64_t rate = limit.rate / 8;
  const auto burst = static_cast<std::uint32_t>(limit.burst / 8);  // validated: < 2^32 - 1
  const std::uint32_t usec =
      go_uint32(static_cast<double>(burst) * kTimeUnitsPerSec / static_cast<double>(rate));
  const std::uint32_t buffer = go_uint32(static_cast<double>(usec) * ticks_per_usec);
  if (buffer == 0) {
    throw Error(Code::InvalidConfig,
                burst_key + ": " + std::to_string(limit.burst) +
                    " bits give a token bucket of 0 psched ticks at that rate (the reference's "
                    "32-bit arithmetic wraps there)");
  }
  const std::uint32_t queue =
      go_uint32(static_cast<double>(rate) * kLatencyUsec / kTimeUnitsPerSec);
  return {.rate = rate, .buffer = buffer, .limit = queue + burst};  // uint32: wraps as Go's
}

std::string ifb_name(std::string_view network, std::string_view container_id) {
  std::string data(network);
  data += container_id;
  return "bwp" + nft::sha512_hex(data).substr(0, kIfbHashDigits);
}

std::optional<std::string> owner_alias(const Owner& o) {
  std::string a(kAliasTag);
  a += " " + o.network + " " + o.container_id + " " + o.ifname;
  if (a.size() > kMaxAlias) return std::nullopt;
  return a;
}

std::optional<Owner> parse_owner_alias(std::string_view alias) {
  std::istringstream in{std::string(alias)};
  std::string tag;
  std::string extra;
  Owner o;
  if (!(in >> tag >> o.network >> o.container_id >> o.ifname) || tag != kAliasTag ||
      (in >> extra)) {
    return std::nullopt;
  }
  return o;
}

}  // namespace cni::bandwidth

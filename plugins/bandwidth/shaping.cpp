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
constexpr double k2To32 = 4294967296.0;
constexpr std::size_t kIfbHashDigits = 12;  // 15 bytes of name minus "bwp"
constexpr std::size_t kMaxAlias = 255;
constexpr std::string_view kAliasTag = "cni-bandwidth";

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw Error(Code::InvalidConfig, key + ": " + why);
}

}  // namespace

std::optional<double> ticks_per_usec(std::string_view psched) {
  unsigned long long v[4] = {};
  const std::string s(psched);
  if (std::sscanf(s.c_str(), "%llx %llx %llx %llx", &v[0], &v[1], &v[2], &v[3]) != 4 ||
      v[1] == 0) {
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

nl::TbfParams tbf_params(const Limit& limit, double ticks_per_usec, const std::string& rate_key,
                         const std::string& burst_key) {
  const std::uint64_t rate = limit.rate / 8;
  const auto burst = static_cast<std::uint32_t>(limit.burst / 8);  // validated: < 2^32 - 1
  const double usec = static_cast<double>(burst) * kTimeUnitsPerSec / static_cast<double>(rate);
  if (usec >= k2To32) {
    bad(burst_key, std::to_string(limit.burst) + " bits take more than 2^32 microseconds to send at " +
                       rate_key + " " + std::to_string(limit.rate));
  }
  const double ticks =
      static_cast<double>(static_cast<std::uint32_t>(usec)) * ticks_per_usec;
  if (ticks >= k2To32) {
    bad(burst_key, std::to_string(limit.burst) + " bits take longer to send at " + rate_key + " " +
                       std::to_string(limit.rate) +
                       " than a TBF bucket can hold (2^32 psched ticks, about 274 s)");
  }
  const double queue = static_cast<double>(rate) * kLatencyUsec / kTimeUnitsPerSec;
  if (queue >= k2To32 || static_cast<std::uint64_t>(queue) + burst > 0xFFFFFFFFULL) {
    bad(rate_key, std::to_string(limit.rate) +
                      " bits per second with that burst needs a queue beyond 4 GiB (25 ms plus "
                      "the burst)");
  }
  return {.rate = rate,
          .buffer = static_cast<std::uint32_t>(ticks),
          .limit = static_cast<std::uint32_t>(queue) + burst};
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

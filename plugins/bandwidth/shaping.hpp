#pragma once

// The reference's numbers, pure: TBF parameters from a configured limit, the ifb's name, and
// the alias that marks our ifbs for GC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config.hpp"
#include "netlink/tc.hpp"

namespace cni::bandwidth {

/// psched ticks per microsecond from the text of /proc/net/psched ("t2us us2t clock_res hz" in
/// hex), as the reference's netlink library computes it; nullopt for malformed text.
std::optional<double> ticks_per_usec(std::string_view psched);

/// Ticks per microsecond of the running kernel (15.625 on every kernel since 2.6.x; read from
/// /proc/net/psched, that value when it cannot be read).
double kernel_ticks_per_usec();

/// The TBF qdisc for `limit`, computed as the reference does, Go float64 and uint32 steps
/// included:
///   rate   = rate/8 bytes per second; burst = burst/8 bytes
///   buffer = uint32(uint32(burst * 1e6 / rate) microseconds * ticks per microsecond)
///   limit  = uint32(rate * 25000 / 1e6) + burst     (25 ms of queue plus the bucket)
/// A uint32 conversion of a larger value wraps (Go on amd64 converts through int64; `tc` wraps
/// the same way), so a bucket of more than ~274 s (containerd's default burst of 2^32-1 bits
/// at rates below 15.6 Mbit/s) gives the reference's odd but identical numbers. A bucket that
/// wraps to 0 ticks, which the kernel refuses, throws cni::Error(InvalidConfig) naming
/// `burst_key`.
nl::TbfParams tbf_params(const Limit& limit, double ticks_per_usec, const std::string& burst_key);

/// "bwp" + the first 12 hex digits of sha512(network + containerID): the reference's ifb name,
/// so that either binary finds the other's.
std::string ifb_name(std::string_view network, std::string_view container_id);

/// Who an ifb of ours belongs to, written in its alias.
struct Owner {
  std::string network;
  std::string container_id;
  std::string ifname;
  bool operator==(const Owner&) const = default;
};

/// "cni-bandwidth <network> <containerID> <ifname>" (the three are validated by the skel and
/// contain no space). Longer than 255 bytes (the kernel's alias limit): nullopt.
std::optional<std::string> owner_alias(const Owner& o);

/// The owner named by an alias owner_alias wrote; nullopt for any other alias.
std::optional<Owner> parse_owner_alias(std::string_view alias);

}  // namespace cni::bandwidth

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cni/skel.hpp"

namespace cni::bandwidth {

/// The shape of the plugin's keys for the skel's case folding (cni/key_fold.hpp): containerd
/// 1.6 sends {"IngressRate":..} in runtimeConfig.bandwidth.
inline constexpr std::string_view kKeys =
    R"({"ingressRate":null,"ingressBurst":null,"egressRate":null,"egressBurst":null,)"
    R"("runtimeConfig":{"bandwidth":{"ingressRate":null,"ingressBurst":null,)"
    R"("egressRate":null,"egressBurst":null}}})";

/// One direction's limit as configured: bits per second and bits.
struct Limit {
  std::uint64_t rate = 0;
  std::uint64_t burst = 0;
};

struct Config {
  std::optional<Limit> ingress;  // towards the container; nullopt: not shaped
  std::optional<Limit> egress;   // from the container
  std::string where;             // "" (top level) or "runtimeConfig.bandwidth." (key prefix)

  bool shapes() const { return ingress || egress; }
};

/// The limits of `req`: the top-level keys when any of the four is present (even null or 0),
/// else runtimeConfig.bandwidth (the `bandwidth` capability), as the reference. Each rate comes
/// with its burst; errors name the key: code 6 for a non-number, 7 for a bad value.
Config parse_config(const Request& req);

}  // namespace cni::bandwidth

#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cni/cni_args.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"
#include "range_set.hpp"

namespace cni::ipam {

/// Where reservations live when the config has no "dataDir" (the reference's default).
inline constexpr const char* kDefaultDataDir = "/var/lib/cni/networks";

/// An address asked for by the runtime, and where it was asked for (for messages).
struct RequestedIp {
  net::IpAddress ip;
  std::string source;  // "CNI_ARGS IP", "args.cni.ips[0]", "runtimeConfig.ips[1]"
};

/// host-local's configuration: the "ipam" object of the full config on stdin, plus the
/// top-level runtimeConfig/args keys it reads. Pure value.
struct IpamConfig {
  std::string network;               // the config's "name": the store's subdirectory
  std::string data_dir;              // absolute
  std::string resolv_conf;           // "" when unset
  std::vector<RangeSet> range_sets;  // runtimeConfig.ipRanges, legacy keys, ranges (that order)
  std::vector<Route> routes;
  std::vector<RequestedIp> requested;  // deduplicated; each in exactly one set, one per set
};

/// The keys host-local reads, for the skel's case folding (cni/key_fold.hpp).
inline constexpr std::string_view kKeys = R"({
  "ipam": {
    "type": null, "dataDir": null, "resolvConf": null, "rangeFromFile": null,
    "subnet": null, "rangeStart": null, "rangeEnd": null, "gateway": null,
    "ranges": [[{"subnet": null, "rangeStart": null, "rangeEnd": null, "gateway": null}]],
    "routes": [{"dst": null, "gw": null, "mtu": null, "advmss": null, "priority": null,
                "table": null, "scope": null}]
  },
  "runtimeConfig": {
    "ipRanges": [[{"subnet": null, "rangeStart": null, "rangeEnd": null, "gateway": null}]],
    "ips": null
  },
  "args": {"cni": {"ips": null}}
})";

/// Parses and validates everything ADD, CHECK and STATUS need. `raw` is the full config,
/// `version` its cniVersion, `args` CNI_ARGS (pass an empty CniArgs to ignore them). Throws
/// cni::Error naming the offending key: InvalidConfig (7) for bad values, DecodingFailure (6)
/// for keys of the wrong JSON type, InvalidEnvironment (4) for bad CNI_ARGS.
IpamConfig parse_config(const nlohmann::json& raw, Version version, const CniArgs& args);

/// Only what DEL and GC need (the store's location): the "ipam" object must exist and
/// "dataDir", when set, must be valid; ranges are not looked at, so that a broken or changed
/// range config never keeps DEL or GC from releasing addresses. Returns the data directory.
std::string parse_data_dir(const nlohmann::json& raw);

}  // namespace cni::ipam

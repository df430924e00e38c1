#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/skel.hpp"
#include "ovsdb/client.hpp"

namespace cni::ovs {

/// The ovs plugin's keys, those of k8snetworkplumbingwg/ovs-cni (see README "ovs").
struct Config {
  std::string bridge;                      // required; the OVS bridge must exist
  std::optional<int> vlan;                 // access port (tag unless 0); absent: trunk port
  std::optional<std::vector<int>> trunks;  // "trunk": the VLANs of a trunk port
  int mtu = 0;                             // 0: the kernel's default
  std::optional<int> ofport_request;
  std::string interface_type;
  ovsdb::Endpoint socket;  // socket_file
  std::string ipam_type;   // "": no IPAM (a pure L2 attachment)
  std::optional<std::string> mac;
};

/// The keys the plugin reads, for the skel's case folding (cni/key_fold.hpp).
inline constexpr std::string_view kKeys = R"({
  "bridge": null, "vlan": null, "trunk": [{"id": null, "minID": null, "maxID": null}],
  "mtu": null, "ofport_request": null, "interface_type": null, "socket_file": null,
  "configuration_path": null,
  "runtimeConfig": {"mac": null}, "args": {"cni": {"mac": null}}
})";

/// Parses and validates the config of `req`, with the flat file named by
/// `configuration_path` (if any) under it (the netconf's keys win); errors name the key.
Config parse_config(const Request& req);

/// The sorted, de-duplicated VLAN ids of a "trunk" list ([{id}|{minID,maxID}]); `key` names
/// it in errors. Exposed for tests.
std::vector<int> parse_trunk(const nlohmann::json& list, const std::string& key);

}  // namespace cni::ovs

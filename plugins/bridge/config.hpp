#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cni/skel.hpp"

namespace cni::bridge {

/// The bridge plugin's keys, those of the reference bridge plugin (see README "bridge").
struct Config {
  std::string bridge = "cni0";
  bool is_gateway = false;
  bool is_default_gateway = false;  // implies is_gateway
  bool force_address = false;
  bool ip_masq = false;
  int mtu = 0;  // 0: the kernel's default
  bool hairpin = false;
  bool promisc = false;
  int vlan = 0;                                 // 0: none; else access VLAN 1..4094
  std::vector<std::pair<int, int>> vlan_trunk;  // inclusive ranges of tagged VLANs
  bool preserve_default_vlan = false;
  bool enable_dad = false;
  bool macspoofchk = false;
  bool disable_container_interface = false;
  bool port_isolation = false;
  std::string ipam_type;           // "": no IPAM (a pure L2 attachment)
  std::optional<std::string> mac;  // runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC=

  bool has_vlans() const { return vlan != 0 || !vlan_trunk.empty(); }
};

/// The keys the bridge reads, for the skel's case folding (cni/key_fold.hpp).
inline constexpr std::string_view kKeys = R"({
  "bridge": null, "isGateway": null, "isDefaultGateway": null, "forceAddress": null,
  "ipMasq": null, "ipMasqBackend": null, "mtu": null, "hairpinMode": null, "promiscMode": null,
  "vlan": null, "vlanTrunk": [{"id": null, "minID": null, "maxID": null}],
  "preserveDefaultVlan": null, "enabledad": null, "macspoofchk": null,
  "disableContainerInterface": null, "portIsolation": null,
  "runtimeConfig": {"mac": null}, "args": {"cni": {"mac": null}}
})";

/// Parses and validates the config of `req`; errors name the key. Mutually exclusive keys
/// (hairpinMode with promiscMode, disableContainerInterface with an IPAM type) are refused.
Config parse_config(const Request& req);

}  // namespace cni::bridge

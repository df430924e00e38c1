#pragma once

// Linux bridges and their ports: the bridge itself, per-port flags (hairpin, isolation,
// learning) and per-port VLANs, each change one acknowledged rtnetlink request acting in the
// socket's namespace.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

struct BridgeSpec {
  std::string name;
  int mtu = 0;                  // at creation only; 0 = kernel default
  bool vlan_filtering = false;  // at creation only (as the reference): see
                                // set_bridge_vlan_filtering for an existing bridge
  std::optional<bool> promisc;  // nullopt: leave as it is
};

/// Makes sure the bridge spec.name exists in the socket's namespace, is up and has the
/// promiscuous mode asked for, and returns a fresh snapshot of it. A missing bridge is created
/// with MTU, vlan_filtering, promisc and up in one request; another plugin creating it at the
/// same moment (EEXIST) is fine. An existing link is checked to be a bridge: otherwise
/// cni::Error(InvalidConfig) "bridge cni0: link already exists but is not a bridge (kind
/// "veth")". Costs one request when the bridge exists as wanted. `*created` (when given) tells
/// whether this call created it.
Link ensure_bridge(Socket& sock, const BridgeSpec& spec, bool* created = nullptr);

/// Turns the bridge's VLAN filtering (IFLA_BR_VLAN_FILTERING) on or off, in the socket's
/// namespace.
void set_bridge_vlan_filtering(Socket& sock, const LinkRef& bridge, bool on);

/// Sets the bridge's MAC to the one in the snapshot `bridge`, explicitly, so that the kernel
/// stops giving it the lowest MAC of its ports (which changes as containers come and go). Acts
/// in the socket's namespace.
void pin_bridge_mac(Socket& sock, const Link& bridge);

/// Flags of one bridge port; nullopt leaves a flag as it is.
struct PortOptions {
  std::optional<bool> hairpin;   // IFLA_BRPORT_MODE: send frames back out the port they came in
  std::optional<bool> isolated;  // IFLA_BRPORT_ISOLATED: no forwarding to other isolated ports
  std::optional<bool> learning;  // IFLA_BRPORT_LEARNING: learn source MACs
};

/// Sets the flags of `port` (enslaved to a bridge in the socket's namespace) in one
/// RTM_SETLINK (AF_BRIDGE, IFLA_PROTINFO). Sends nothing when every flag is nullopt.
void set_port_options(Socket& sock, const LinkRef& port, const PortOptions& opts);

/// The VLANs of one bridge port. VLAN ids are 1 to 4094. They only filter traffic when the
/// bridge has vlan_filtering on.
struct VlanSpec {
  std::optional<int> pvid_untagged;                // access VLAN: PVID, egress untagged
  std::vector<std::pair<int, int>> tagged_ranges;  // {min, max} inclusive, egress tagged
  bool keep_default_vlan1 = false;                 // else VLAN 1 is removed (unless listed)
};

/// Applies `vlans` to `port` (enslaved to a bridge in the socket's namespace): one RTM_SETLINK
/// adding the PVID and tagged ranges (an existing entry takes the new flags), then, unless
/// keep_default_vlan1 or VLAN 1 is one of those just added, one RTM_DELLINK removing VLAN 1
/// (nothing to remove is fine). Throws cni::Error(InvalidConfig) for a VLAN id out of range or
/// an inverted range, before sending anything.
void set_port_vlans(Socket& sock, const LinkRef& port, const VlanSpec& vlans);

/// One entry of a port's VLAN table; consecutive VLANs with the same flags come back merged
/// into one range (the kernel's compressed dump).
struct PortVlan {
  int min_vid = 0;
  int max_vid = 0;
  bool pvid = false;
  bool untagged = false;
  bool operator==(const PortVlan&) const = default;
};

/// The VLAN table of the bridge port `port_ifindex` in the socket's namespace (an AF_BRIDGE
/// RTM_GETLINK dump filtered to that port; empty for a link that is not a port).
std::vector<PortVlan> list_port_vlans(Socket& sock, int port_ifindex);

}  // namespace cni::nl

#pragma once

// The attachment's identity in OVSDB: the Port's external_ids. ovs-cni's keys (contNetns,
// contIface, owner) so that either binary recognises the other's ports, plus the network and
// container ID so DEL and GC can key on (network, containerID, ifname) with the netns gone.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "cni/skel.hpp"
#include "config.hpp"
#include "ovsdb/client.hpp"
#include "ovsdb/vswitch.hpp"

namespace cni::ovs {

inline constexpr const char* kOwner = "ovs-cni.network.kubevirt.io";
inline constexpr const char* kNetworkKey = "cni_network";
inline constexpr const char* kContainerKey = "cni_container_id";

/// Bounds on every exchange with the daemons: a dead or missing one is an error within
/// seconds, never a hang.
inline constexpr auto kOvsdbTimeout = std::chrono::milliseconds(2000);
inline constexpr auto kApplyTimeout = std::chrono::milliseconds(3000);

/// The external_ids of the attachment of `req`.
std::map<std::string, std::string> attachment_ids(const Request& req);

/// A client connected to cfg.socket (kOvsdbTimeout); throws cni::Error(Ovsdb) naming
/// socket_file.
ovsdb::Client connect(const Config& cfg);

/// The ports of the attachment of `req`: by (network, containerID, ifname); when none and
/// CNI_NETNS is known, by ovs-cni's (contNetns, contIface). Any owner: see owned().
std::vector<ovsdb::PortRow> attachment_ports(ovsdb::Client& c, const Request& req);

/// Whether `p` was created by us or by ovs-cni.
bool owned(const ovsdb::PortRow& p);

}  // namespace cni::ovs

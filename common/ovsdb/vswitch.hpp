#pragma once

// The Open_vSwitch database's few transactions a CNI plugin needs: a bridge looked up, a
// Port+Interface added to it in one guarded transaction, ports found by their external_ids and
// removed. Every write is guarded by "wait" operations (timeout 0) on what it relies on, so a
// missing bridge or a concurrent change fails the transaction instead of silently dropping
// rows (a mutate of no row "succeeds" with count 0, and the inserted rows, referenced by
// nothing, are garbage collected).

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ovsdb/client.hpp"

namespace cni::ovsdb {

inline constexpr const char* kDatabase = "Open_vSwitch";

struct BridgeRow {
  std::string uuid;
  std::string name;
  std::string datapath_type;  // "" (the default, "system"), "netdev", ...
};

/// The bridge named `name`, if it exists.
std::optional<BridgeRow> find_bridge(Client& c, const std::string& name);

/// A port with one interface of the same name.
struct PortSpec {
  std::string bridge;
  std::string name;
  std::optional<int> vlan;                 // access port with this tag (0: no tag)
  std::optional<std::vector<int>> trunks;  // trunk port (empty: every VLAN)
  std::optional<int> ofport_request;
  std::string interface_type;                       // "" = the schema's default (system)
  std::map<std::string, std::string> external_ids;  // on the Port
};

/// The operations of add_port's transaction (for tests and the fuzz target).
json add_port_ops(const PortSpec& spec);

struct AddedPort {
  std::string port_uuid;
  std::optional<long long> next_cfg;  // the configuration number to wait for (no
                                      // Open_vSwitch row: nullopt)
};

/// Inserts the Interface and the Port and adds the Port to the bridge, guarded by a wait on
/// the bridge's existence; bumps Open_vSwitch.next_cfg and reads it back, as ovs-vsctl does.
/// Throws cni::Error(Ovsdb) naming the failing operation (a missing bridge: "wait on Bridge
/// ...: timed out"; a name in use: "constraint violation").
AddedPort add_port(Client& c, const PortSpec& spec);

struct InterfaceRow {
  std::string uuid;
  std::string name;
  std::string error;  // "" when none
  std::optional<long long> ofport;
};

/// Waits, at most `timeout`, until ovs-vswitchd has applied configuration `next_cfg`
/// (Open_vSwitch.cur_cfg >= next_cfg), then returns the interface `iface` as vswitchd left it.
/// nullopt: not applied in time (ovs-vswitchd is not running or is stuck).
std::optional<InterfaceRow> wait_applied(Client& c, long long next_cfg, const std::string& iface,
                                         std::chrono::milliseconds timeout);

struct PortRow {
  std::string uuid;
  std::string name;
  std::map<std::string, std::string> external_ids;
  std::string vlan_mode;  // "" when unset
  std::optional<long long> tag;
  std::vector<long long> trunks;
  std::vector<std::string> interfaces;  // uuids
};

/// Ports whose external_ids include every pair of `ids` (an empty map: every port).
std::vector<PortRow> find_ports(Client& c, const std::map<std::string, std::string>& ids);

/// The interface named `name`, if any.
std::optional<InterfaceRow> find_interface(Client& c, const std::string& name);

/// Removes the ports (by uuid) from every bridge that has them, in one transaction; their
/// rows and interfaces go by garbage collection. Each port must still carry `guard_ids`
/// (the ownership it was chosen by): a port changed meanwhile fails the transaction.
void delete_ports(Client& c, const std::vector<PortRow>& ports);

}  // namespace cni::ovsdb

#pragma once

#include "cni/skel.hpp"

namespace cni::ovs {

/// The ovs plugin: containers on an Open vSwitch bridge through veth pairs, the job and keys of
/// k8snetworkplumbingwg/ovs-cni, talking OVSDB (RFC 7047) directly.
PluginFuncs plugin();

/// Positions in result.interfaces.
inline constexpr int kHostIndex = 0;
inline constexpr int kContainerIndex = 1;

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

}  // namespace cni::ovs

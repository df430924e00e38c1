#pragma once

#include "cni/skel.hpp"

namespace cni::bridge {

/// The bridge plugin: containers attached to a host bridge through veth pairs, the reference
/// `bridge` plugin's job and keys.
PluginFuncs plugin();

/// Positions in result.interfaces.
inline constexpr int kBridgeIndex = 0;
inline constexpr int kHostIndex = 1;
inline constexpr int kContainerIndex = 2;

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

}  // namespace cni::bridge

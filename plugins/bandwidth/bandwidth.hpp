#pragma once

#include "cni/skel.hpp"

namespace cni::bandwidth {

/// The bandwidth plugin: a chained plugin shaping a container's traffic with TBF qdiscs on the
/// host end of its veth (ingress) and on an ifb fed from that veth's ingress (egress), the
/// reference `bandwidth` plugin's job and keys.
PluginFuncs plugin();

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

/// The TBF qdiscs' handle ("1:"), as the reference.
inline constexpr std::uint32_t kTbfHandle = 0x00010000U;

}  // namespace cni::bandwidth

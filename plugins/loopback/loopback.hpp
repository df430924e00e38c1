#pragma once

#include "cni/skel.hpp"

namespace cni::loopback {

/// The loopback plugin: brings "lo" up in the container (ADD), checks it is up (CHECK), brings
/// it down (DEL). CNI_IFNAME is ignored, as in the reference: only "lo" is ever touched.
PluginFuncs plugin();

Result cmd_add(const Request& req);
void cmd_check(const Request& req);
void cmd_del(const Request& req);

}  // namespace cni::loopback

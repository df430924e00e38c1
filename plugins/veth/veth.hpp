#pragma once

#include "cni/skel.hpp"

namespace cni::veth {

/// The veth plugin: a routed point-to-point veth between the host and the container, the
/// reference `ptp` plugin's job (it is also installed under the name `ptp`).
PluginFuncs plugin();

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

}  // namespace cni::veth

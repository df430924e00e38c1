#pragma once

#include "cni/skel.hpp"

namespace cni::tuning {

/// The tuning plugin: a chained plugin that sets network sysctls and link attributes (MAC, MTU,
/// promiscuous and all-multicast modes, txqlen) of the container's interface, and puts the
/// link attributes back on DEL from the reference's backup files.
PluginFuncs plugin();

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

}  // namespace cni::tuning

#pragma once

#include "cni/skel.hpp"

namespace cni::firewall {

/// The firewall plugin: a chained plugin that lets a container's traffic pass the host's
/// iptables FORWARD chain (the reference `firewall` plugin's job and keys; README "firewall").
PluginFuncs plugin();

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

}  // namespace cni::firewall

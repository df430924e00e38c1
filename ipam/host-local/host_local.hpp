#pragma once

#include "cni/skel.hpp"

namespace cni::ipam {

/// The host-local IPAM plugin's commands, for cni::run_main. None of them touches a network
/// namespace: they only work on the reservation store under the config's dataDir.
PluginFuncs host_local_plugin();

/// ADD: allocates one address per range set for (CNI_CONTAINERID, CNI_IFNAME) and returns
/// them with the config's routes and the resolvConf DNS.
Result cmd_add(const Request& req);
/// DEL: releases every address of (CNI_CONTAINERID, CNI_IFNAME) (legacy ID-only files as
/// fallback). Idempotent; succeeds when nothing is reserved or the store does not exist.
void cmd_del(const Request& req);
/// CHECK: every range set holds an address of the attachment, and every prevResult address
/// inside our ranges is one of them; else cni::Error(CheckFailed).
void cmd_check(const Request& req);
/// GC: releases every reservation not owned by one of req.valid_attachments.
void cmd_gc(const Request& req);
/// STATUS: the data directory is usable and every range set has a free address; else
/// cni::Error(NotAvailable) with the reason.
void cmd_status(const Request& req);

}  // namespace cni::ipam

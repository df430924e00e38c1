#pragma once

#include <string>

#include "backup.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "sys/rollback.hpp"

namespace cni::tuning {

// The container link's attributes. `sock` is a netlink socket in the container's namespace.

/// The attributes of `link` that `cfg` changes, as they are now: what DEL puts back. Pure.
Backup snapshot(const nl::Link& link, const Config& cfg, const std::string& network);

/// Sets cfg's attributes in the reference's order (MAC, promiscuous mode, MTU, all-multicast,
/// txqlen), pushing onto `undo` after each the step that restores its value from `before`.
void apply_link_attrs(nl::Socket& sock, const nl::Link& link, const Config& cfg,
                      const Backup& before, sys::Rollback& undo);

/// Puts back every attribute `saved` holds (the reference's order: MTU, MAC, promiscuous mode,
/// all-multicast, txqlen); every step is tried, failures are collected, each naming what failed.
ErrorList restore_link_attrs(nl::Socket& sock, const nl::Link& link, const Backup& saved);

/// Throws cni::Error(CheckFailed) naming the first attribute of `cfg` that `link` lacks.
void check_link_attrs(const nl::Link& link, const Config& cfg);

}  // namespace cni::tuning

#pragma once

#include <vector>

#include "cni/error.hpp"
#include "cni/result.hpp"
#include "config.hpp"
#include "store.hpp"

namespace cni::ipam {

/// Allocates one address per range set for `who`: the requested address lying in the set if
/// there is one, else the next free address round-robin from the set's last reserved one.
/// All or nothing: when a set fails, the addresses reserved by this call in earlier sets are
/// released before the error is thrown. Returns one IpConfig per set (address with the
/// subnet's prefix length, the range's gateway). Works on `store` only (pure otherwise).
/// Throws cni::Error: Ipam (102) for a duplicate allocation or a requested address that is
/// taken, Exhausted (105) "no IP addresses available in range set: <ranges>", InvalidConfig
/// (7) for a requested address no set takes; messages start "failed to allocate for range N".
std::vector<IpConfig> allocate(const std::vector<RangeSet>& sets,
                               const std::vector<RequestedIp>& requested, Store& store,
                               const Attachment& who);

/// Releases every address of `who`: its exact (containerID, ifname) reservations, or, when it
/// has none, the legacy ID-only reservations of its container ID (the reference's fallback).
/// Best effort: every release is tried; failures are collected in `errors`. Returns the
/// released addresses.
std::vector<net::IpAddress> release_attachment(Store& store, const Attachment& who,
                                               ErrorList& errors);

/// The addresses `who` holds (exact reservations, else legacy ones of its container ID), as
/// DEL would release them.
std::vector<Reservation> held_by(Store& store, const Attachment& who);

}  // namespace cni::ipam

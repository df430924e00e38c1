#pragma once

#include <chrono>

#include "netlink/socket.hpp"

namespace cni::nl {

/// Waits until link `ifindex`, in the namespace `sock` lives in, is operationally up
/// (IF_OPER_UP: for a veth, both ends up; for a bridge port of a bridge without STP, that is
/// also when it forwards). Event driven, no fixed sleeps: a second netlink socket in the same
/// namespace subscribes to link events (RTNLGRP_LINK) before the current state is read on
/// `sock`, so a change in between is not missed. Returns true as soon as it is up, false when
/// `timeout` passes first or the link disappears. Falls back to polling every 10 ms when the
/// namespace of `sock` cannot be reached (no CAP_NET_ADMIN there). Throws cni::Error(Netlink)
/// when a lookup fails. The calling thread stays in its own namespace.
bool wait_oper_up(Socket& sock, int ifindex, std::chrono::milliseconds timeout);

}  // namespace cni::nl

#pragma once

namespace cni::nft {

// Why a plugin keeps its netfilter sockets open until it exits: after a transaction that deleted
// rules, the kernel frees them once an RCU grace period has passed (~10-20 ms), and closing any
// NETLINK_NETFILTER socket in the meantime waits for that (nf_tables' NETLINK_URELEASE handler
// flushes the pending destroy work). Closed at once, the wait lands in the middle of a DEL,
// before the work that follows (the conntrack flush, deleting the veth); kept open, the process
// closes them at its exit, by which time that work has overlapped the grace period.
//
// keep_sockets_until_exit() switches this on for the rest of the process (a plugin's main; a
// long-lived process such as a test would only accumulate sockets). Not thread-safe: call it
// before any socket is opened.
void keep_sockets_until_exit();

}  // namespace cni::nft

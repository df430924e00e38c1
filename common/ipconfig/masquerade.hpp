#pragma once

#include "cni/result.hpp"
#include "cni/skel.hpp"

namespace cni::ipconfig {

// ipMasq for a plugin request, on top of common/nft: the rules are keyed by (network name,
// container ID, ifname), so DEL and GC find them without the container's addresses or netns.
// All act in the calling thread's namespace: the host's.

/// Masquerades traffic from each address of `r` to outside its subnet, in one batch (replacing
/// rules a previous ADD of the same attachment may have left).
void setup_masquerade(const Request& req, const Result& r);
/// Removes the rules setup_masquerade wrote for the request's attachment (the rollback of a
/// failed ADD: what a reference binary wrote is left alone).
void undo_masquerade(const Request& req);
/// Removes every masquerade rule of the request's attachment, ours and those the reference's
/// iptables backend left (nft/iptables_masq.hpp: a host switched from the reference under
/// running containers); fine when there is none.
void teardown_masquerade(const Request& req);
/// Throws CheckFailed when a rule for an address of `prev` is missing.
void check_masquerade(const Request& req, const Result& prev);
/// Removes the rules of this network whose attachment is not in req.valid_attachments, ours
/// and the reference's iptables ones (those are per container: kept while any attachment of
/// the container is valid).
void gc_masquerade(const Request& req);

}  // namespace cni::ipconfig

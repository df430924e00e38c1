#pragma once

// Published ports (portmap) with nftables, in the reference's layout (hostport_layout.hpp), so
// a host can switch between the reference's nftables backend and ours under running
// containers. Who owns a rule:
//   - its comment is the container ID, exactly as the reference writes it (the reference's DEL
//     removes rules by that comment, ours included);
//   - a hidden tag (rule_tag.hpp) holds h16(network)-h16(ifname:containerID), the same hash as
//     the masquerade rules (masq_comment.hpp), so two networks of one container keep apart and
//     GC knows the network and attachment of each rule.
// A rule with the container ID as comment and no tag was written by the reference: it counts
// as the container's on every network (as the reference treats it).
//
// What an ADD must know of the other rules on the host (a port already published, earlier
// rules of the attachment) it learns from an index kept in two sets next to the rules
// (hostport_index.hpp), in a few lookups whatever the number of rules; only when the index is
// not whole (the reference wrote rules since) or shows a candidate does it list the chains.
// DEL, GC and CHECK list the chains.
//
// Every function acts in the calling thread's current network namespace (the host's) and makes
// at most one transaction (both families), which the kernel applies whole or not at all. Failures
// throw cni::Error(Firewall), or cni::Error(TryAgainLater) when concurrent changes kept getting
// in the way.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nft/hostport_layout.hpp"
#include "nft/masq_comment.hpp"

namespace cni::nft {

/// A published port of another container that a new mapping would shadow.
struct HostportConflict {
  std::size_t mapping_index = 0;  // into runtimeConfig.portMappings
  std::string container_id;       // the other rule's comment
  std::string rule;               // what the other rule says, e.g. "tcp dport 8080 -> 10.88.0.4:80"
};

/// ADD: for every plan (one per family, at most one each), in one transaction for both
/// families: creates the table and chains if missing, rewrites hostports_all, prerouting and
/// output only when they are not exactly the layout's (then rebuilds the index), removes the
/// attachment's previous rules, adds its DNAT and masquerade rules and their index elements.
/// Refuses (returns the conflict, changing nothing) when a mapping overlaps the published port
/// of another container (same family, protocol and port; host IPs equal or either one any), as
/// read in the same attempt as the transaction.
std::optional<HostportConflict> setup_hostports(const MasqAttachment& owner,
                                                const std::vector<HostportPlan>& plans);

/// DEL: removes the attachment's rules (and the reference's rules of the container) from
/// hostports, hostip_hostports and masquerading, in both families, and the index elements
/// only they needed. Tables, chains and sets stay.
void teardown_hostports(const MasqAttachment& owner);

/// GC: removes the tagged rules of `network` whose attachment is not in `valid_attachments`
/// ((container ID, ifname) pairs). Untagged rules (the reference's) are left alone: their
/// network is unknown.
void gc_hostports(std::string_view network,
                  const std::vector<std::pair<std::string, std::string>>& valid_attachments);

/// CHECK: what is missing of the attachment's rules and of the layout, and of its index
/// elements while the index is trusted; nullopt when all there.
std::optional<std::string> hostports_missing(const MasqAttachment& owner,
                                             const std::vector<HostportPlan>& plans);

/// STATUS: whether the kernel can hold the layout in family `f`: a transaction creating a
/// scratch table with the layout's chains and expressions (nat chains, fib, dnat, ct,
/// masquerade) and deleting it again. Returns what is missing, nullopt when all works.
std::optional<std::string> hostport_features_missing(net::Family f);

}  // namespace cni::nft

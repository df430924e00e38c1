#pragma once

// Removing the masquerade rules the reference plugins up to v1.5 write through iptables
// (Debian 12 ships 1.1.1): a jump from POSTROUTING and a chain CNI-<hash> in table nat, per
// container (layout and names: iptables_masq_name.hpp), so that a host can switch from their
// binaries to ours with containers running. Nothing here ever writes such rules.
//
// With iptables-nft (Debian's default `iptables` since 11) those live in the nftables tables
// `ip nat` and `ip6 nat`, which is where we look. Rules written by the iptables-legacy backend
// live in x_tables, which nftables cannot see: they stay (the README says so).
//
// Each function acts in the calling thread's current network namespace (the plugins call them
// in the host namespace), touches only chains named after (network, container ID) and the
// rules that jump to them carrying the attachment's comment, never creates a table or chain,
// and makes at most one transaction (both families at once), which the kernel applies whole or
// not at all. A chain some other rule (without the comment) still jumps to is left as it is.
// Failures throw cni::Error(Firewall), or cni::Error(TryAgainLater) when concurrent changes
// kept getting in the way.

#include <set>
#include <string>
#include <string_view>

namespace cni::nft {

/// DEL: removes the attachment's reference iptables masquerade from `ip nat` and `ip6 nat`:
/// the rules jumping to CNI-<hash(network, container_id)> with its comment (both the `-s <ip>`
/// and the older `-s <cidr>` forms: any source), and that chain (flushed, then deleted). A
/// no-op when neither table has the chain: then it costs one GETCHAIN request per family.
void teardown_iptables_masquerade(std::string_view network, std::string_view container_id);

/// GC: the same for every container of `network` whose ID is not in `live_container_ids`,
/// found by the comments of the rules in `ip nat` / `ip6 nat` (a chain that has lost all its
/// rules and jumps, with no comment left to name its owner, is not found). An empty set
/// removes every such leftover of the network; other networks' chains are untouched.
void gc_iptables_masquerade(std::string_view network,
                            const std::set<std::string>& live_container_ids);

}  // namespace cni::nft

#pragma once

// The port-mapping rules of the reference's iptables backend (Debian 12's
// containernetworking-plugins 1.1.1 writes only these), as iptables-nft stores them: in the
// nftables table `ip nat` (`ip6 nat` for ip6tables), a chain `CNI-DN-<h21>` per (network,
// container) holding the DNAT and mark rules, jumped to from `CNI-HOSTPORT-DNAT` by rules
// commented `dnat name: "<network>" id: "<container ID>"`. Removing them lets a host switch
// from that binary to ours under running containers. The shared CNI-HOSTPORT-* chains stay
// (the reference never removes them either). Rules written by iptables-legacy are invisible to
// nftables and stay. Every function acts in the calling thread's network namespace, one
// transaction per family.

#include <set>
#include <string>
#include <string_view>

namespace cni::nft {

/// "CNI-DN-" + the first 21 hex digits of SHA-512(network + container ID): the reference's
/// per-container chain (utils.MustFormatChainNameWithPrefix(name, id, "DN-")). Pure.
std::string legacy_dnat_chain(std::string_view network, std::string_view container_id);

/// DEL: removes the container's jumps from CNI-HOSTPORT-DNAT and its CNI-DN chain, in both
/// families. Nothing to do is fine (no table, no chain).
void teardown_legacy_hostports(std::string_view network, std::string_view container_id);

/// GC: the same for every container of `network` (read from the jump rules' comments) that is
/// not in `valid_container_ids`.
void gc_legacy_hostports(std::string_view network,
                         const std::set<std::string>& valid_container_ids);

}  // namespace cni::nft

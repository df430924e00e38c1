#pragma once

// The bridge plugin's MAC spoof check (`macspoofchk`), in the reference plugins' layout
// (containernetworking/plugins pkg/link/spoofcheck.go), so either binary can remove the other's:
//
//   table bridge nat {
//     chain PREROUTING { type filter hook prerouting priority -300; policy accept;
//       iifname "<host veth>" jump cni-br-iface-<id> comment "macspoofchk-<id>"
//     }
//     chain cni-br-iface-<id> { jump cni-br-iface-<id>-mac comment "macspoofchk-<id>" }
//     chain cni-br-iface-<id>-mac {
//       ether saddr <container mac> return comment "macspoofchk-<id>"
//       drop comment "macspoofchk-<id>"
//     }
//   }
//
// <id> is "<containerID>-<ifname>": teardown needs neither the host veth nor the netns. Every
// function acts in the calling thread's network namespace (the host's), each change in one
// transaction.

#include <string>
#include <utility>
#include <vector>

namespace cni::nft {

/// Whose rules: CNI_CONTAINERID and CNI_IFNAME.
struct SpoofCheckOwner {
  std::string container_id;
  std::string ifname;
  std::string id() const { return container_id + "-" + ifname; }
};

/// ADD, before anything is created: throws cni::Error(InvalidEnvironment) naming
/// CNI_CONTAINERID when the owner's chain names would exceed nftables' 255 bytes (the reference
/// builds the same names and fails later with ERANGE).
void require_spoofcheck_names_fit(const SpoofCheckOwner& owner);

/// ADD: only frames with source MAC `mac` ("aa:bb:cc:dd:ee:ff") may enter the bridge from
/// `host_veth`. Replaces the owner's earlier rules, if any. Throws cni::Error(Firewall).
void setup_spoofcheck(const SpoofCheckOwner& owner, const std::string& host_veth,
                      const std::string& mac);

/// DEL: removes the owner's rule and chains; fine when there are none.
void teardown_spoofcheck(const SpoofCheckOwner& owner);

/// Whether the spoof check table (bridge nat) exists.
bool spoofcheck_table_exists();
/// Undoing a failed ADD that created the table: deletes it when it holds nothing but an empty
/// PREROUTING chain. The caller must keep other ADDs of ours from using it meanwhile (see
/// netns/namespace_lock.hpp).
void remove_spoofcheck_table_if_unused();

/// CHECK: whether the owner's jump rule and both chains are in place.
bool spoofcheck_present(const SpoofCheckOwner& owner);

/// GC: removes the spoof checks whose host veth no longer exists in this namespace and whose
/// owner is not one of `keep` ((container ID, ifname) pairs). Returns how many were removed.
int gc_spoofchecks(const std::vector<std::pair<std::string, std::string>>& keep);

}  // namespace cni::nft

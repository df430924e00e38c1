#pragma once

// Per-container masquerading (ipMasq) with nftables, in the layout of the reference plugins'
// nftables backend (containernetworking/plugins pkg/ip/ipmasq_nftables_linux.go), so a host
// can switch between their binaries and ours:
//
//   table inet cni_plugins_masquerade {
//     chain masq_checks {
//       ip saddr 10.1.0.5 ip daddr != 10.1.0.0/16 masquerade comment "<tag>"
//     }
//     chain postrouting {
//       type nat hook postrouting priority srcnat; policy accept;
//       ip daddr 224.0.0.0/4 return
//       ip6 daddr ff00::/8 return
//       goto masq_checks
//     }
//   }
//
// One rule per container address, tagged with the attachment's comment (masq_comment.hpp), so
// that teardown and GC find rules by (network, container ID, ifname) alone. Every function
// acts in the calling thread's current network namespace (the plugins call them inside a
// netns::Enter of the host namespace) and makes at most one transaction there, which the
// kernel applies whole or not at all. Failures throw cni::Error(Firewall), or
// cni::Error(TryAgainLater) when a concurrent change kept getting in the way.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/ip.hpp"
#include "nft/masq_comment.hpp"

namespace cni::nft {

inline constexpr char kMasqTable[] = "cni_plugins_masquerade";  // family inet
inline constexpr char kMasqChain[] = "masq_checks";
inline constexpr char kMasqBaseChain[] = "postrouting";

/// A container address to masquerade, with its subnet's prefix length: "10.1.0.5/16"
/// masquerades traffic from 10.1.0.5 to anything outside 10.1.0.0/16.
struct MasqAddress {
  net::Prefix address_with_subnet_len;
};

/// A masquerade rule read back from the kernel.
struct MasqRule {
  net::IpAddress address;       // ip saddr
  net::Prefix subnet;           // ip daddr != subnet
  MasqAttachment owner;         // from the comment (possibly cut short: see owner_verified)
  bool owner_verified = false;  // whether `owner` hashes to the comment's tag
  std::string comment;
  std::uint64_t handle = 0;
};

/// ADD: in one transaction, creates the table and both chains if missing, rewrites the
/// postrouting chain's three rules (as the reference does), deletes the attachment's old
/// rules (its addresses may have changed) and adds one rule per address (duplicates once).
void setup_masquerade(const MasqAttachment& a, const std::vector<MasqAddress>& addrs);

/// DEL: deletes every rule tagged with the attachment, in one transaction. Succeeds when there
/// is none, or no table or chain at all; needs neither the addresses nor the container's
/// namespace.
void teardown_masquerade(const MasqAttachment& a);

/// Every rule of the masq_checks chain that has the shape and tag setup_masquerade writes
/// (the reference's rules included), in chain order. Empty when the table does not exist.
std::vector<MasqRule> list_masquerade_rules();

/// GC: deletes the rules of `network` whose attachment is not in `valid_attachments`, given as
/// (container ID, ifname) pairs, in one transaction. Rules of other networks are untouched;
/// an empty list deletes every rule of the network.
void gc_masquerade(std::string_view network,
                   const std::vector<std::pair<std::string, std::string>>& valid_attachments);

/// Whether the masquerade table exists (a failed ADD gives back only a table it created).
bool masquerade_table_exists();
/// Undoing a failed ADD that created the table: deletes it when no rule of any attachment is
/// left in it. The caller must keep other ADDs of ours from using it meanwhile (see
/// netns/namespace_lock.hpp).
void remove_masquerade_table_if_unused();

/// CHECK: whether the postrouting chain jumps to masq_checks and every address has its rule
/// tagged with the attachment.
bool masquerade_present(const MasqAttachment& a, const std::vector<MasqAddress>& addrs);

}  // namespace cni::nft

#pragma once

// An index of the port-mapping rules (hostports.hpp) in two sets of each family's
// cni_hostport table, so that an ADD learns from a few lookups what it otherwise learns by
// listing every port-mapping rule of the host (a cost that grows with the host's mappings):
//
//   set published_ports { type inet_proto . inet_service }  # the (protocol, host port) of
//                                                           # every DNAT rule in hostports and
//                                                           # hostip_hostports
//   set attachments { type mark }                           # a 32-bit hash of the owner of
//                                                           # every rule of the three chains
//
// The owner is the rule's tag (rule_tag.hpp), or for an untagged rule (the reference's) its
// comment, the container ID. Neither set is matched by any rule: they only answer questions.
//
// The index is an over-approximation that only our plugin maintains:
//   - complete while the rules of prerouting, output and hostports_all carry our tag
//     (kIndexedLayoutTag): the reference's ADD, the only other writer of this layout, rewrites
//     those chains every time, so its rules are noticed by our next ADD, which then rebuilds
//     the index from a full listing in the same transaction;
//   - possibly stale (the reference's DEL removes our rules and leaves their elements): an ADD
//     that finds one of its keys only takes the full listing path, which decides exactly.
// Rules added by hand with `nft` into hostports are not known to it (see README).
//
// Pure: nothing here talks to the kernel.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "net/ip.hpp"
#include "nft/batch.hpp"
#include "nft/rules.hpp"
#include "nft/sets.hpp"

namespace cni::nft {

inline constexpr char kPublishedPortsSet[] = "published_ports";
inline constexpr char kAttachmentsSet[] = "attachments";

/// One of the two sets in family `f`'s cni_hostport table.
SetName hostport_index_set(net::Family f, const char* name);
/// What that set holds (its key type and comment).
SetKind hostport_index_set_kind(const char* name);

/// The element of published_ports for a DNAT rule of `proto` on host port `port`.
std::string published_port_key(std::uint8_t proto, std::uint16_t port);
/// The element of attachments for the rules tagged `tag`.
std::string tagged_owner_key(std::string_view tag);
/// The element of attachments for the untagged rules with comment `container_id`.
std::string untagged_owner_key(std::string_view container_id);
/// The element of attachments for a listed rule: by its tag, else by its comment; nullopt for
/// a rule with neither (written by hand).
std::optional<std::string> owner_key_of(const RawRule& r);

/// What one transaction changes in one family's index, put in its batch at once.
struct HostportIndexChanges {
  /// Declare both sets (when missing) and empty them before adding: the adds are then the
  /// whole index.
  bool rebuild = false;
  std::set<std::string> add_ports, add_owners, delete_ports, delete_owners;

  /// Appends the messages to `batch` (nothing when there is nothing to change).
  void put(Batch& batch, net::Family f) const;
};

}  // namespace cni::nft

#pragma once

// Named nftables sets of plain keys (no intervals, no maps, no timeouts): their declaration,
// element messages for a Batch, and single lookups. The kernel keeps such a set in a hash
// table, so a lookup or an element change costs the same whatever the set's size.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nft/batch.hpp"
#include "nft/handle.hpp"
#include "nft/socket.hpp"

namespace cni::nft {

/// nft's datatype numbers (nftables src/datatype.h), as a set's key type says them; `nft list`
/// prints elements by them. A concatenation's type is the fields' types, 6 bits each, first
/// field highest.
inline constexpr std::uint32_t kTypeInetProto = 12;
inline constexpr std::uint32_t kTypeInetService = 13;
inline constexpr std::uint32_t kTypeMark = 19;
constexpr std::uint32_t concat_type(std::uint32_t first, std::uint32_t second) {
  return (first << 6) | second;
}

/// Which set: its family (NFPROTO_*), table and name.
struct SetName {
  std::uint16_t family = 0;
  std::string table;
  std::string name;
};

/// What a set holds: its key type and length (bytes; each field of a concatenation padded to
/// 4), and the comment `nft list` shows.
struct SetKind {
  std::uint32_t key_type = 0;
  std::uint32_t key_len = 0;
  std::string comment;
};

/// The `add set` object for Batch::add_set.
SetPtr set_declaration(const SetName& set, const SetKind& kind);

/// Adds `keys` to the set (Batch::add_set_elements), or removes them (delete_set_elements),
/// in messages of at most a few hundred elements (each batch message must fit in a page).
/// Nothing when `keys` is empty.
void add_set_elements(Batch& batch, const SetName& set, const std::vector<std::string>& keys);
void delete_set_elements(Batch& batch, const SetName& set, const std::vector<std::string>& keys);
/// Removes every element of the set (`flush set`).
void flush_set(Batch& batch, const SetName& set);

/// Whether the set exists: one NFT_MSG_GETSET request, not a dump. Throws cni::Error(Firewall)
/// on failures other than its absence.
bool set_exists(Socket& sock, const SetName& set);
/// Whether `key` is an element of the set: one NFT_MSG_GETSETELEM request. False also when
/// the set does not exist. Throws cni::Error(Firewall) on other failures.
bool set_has_element(Socket& sock, const SetName& set, std::string_view key);

}  // namespace cni::nft

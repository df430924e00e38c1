#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cni::tuning {

/// The link attributes ADD changed, as they were before: the reference's backup file
/// (configToRestore), so that either binary's DEL restores what the other's ADD saved. Only the
/// attributes ADD was asked to change are present.
struct Backup {
  std::optional<std::string> mac;  // "aa:bb:cc:dd:ee:ff"
  std::optional<bool> promisc;
  int mtu = 0;  // 0: not saved (the reference's omitempty int)
  std::optional<bool> allmulti;
  std::optional<std::uint32_t> txqlen;  // "txQLen"
  // Ours only (the reference ignores unknown keys): the network that wrote the file, so that
  // GC, which runs per network, removes only its own files. "" in a reference-written file.
  std::string network;
  bool operator==(const Backup&) const = default;
};

/// The file's text, byte for byte what the reference writes (Go's json.MarshalIndent with a
/// one-space indent, fields in its order, no trailing newline), plus "network" when set.
std::string render_backup(const Backup& b);

/// Parses a backup file's text (untrusted: anything may be in the data dir). Unknown keys and
/// nulls are ignored, as Go's decoder does. Throws cni::Error(DecodingFailure) naming the field
/// for anything else unusable: not an object, wrong types, a malformed MAC, an MTU or txQLen out
/// of range.
Backup parse_backup(std::string_view text);

/// "<containerID>_<ifname>.json", the reference's file name.
std::string backup_file_name(std::string_view container_id, std::string_view ifname);

/// Whether `name` could be a backup file name: "<id>_<ifname>.json" for some split at a '_'
/// where <id> is a valid container ID and <ifname> a valid interface name. GC touches nothing
/// else in the data dir.
bool is_backup_file_name(std::string_view name);

}  // namespace cni::tuning

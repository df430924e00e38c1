#pragma once

#include <string>
#include <string_view>

#include "cni/skel.hpp"

namespace cni::ipam {

/// Who holds a reservation, as read from a reservation file of the reference's format:
/// "<containerID>\r\n<ifname>", or (files of old versions) just "<containerID>". Whitespace
/// around the content is ignored, as the reference's strings.TrimSpace.
struct Owner {
  enum class Kind {
    Pair,     // "<id>\r\n<ifname>"
    Legacy,   // "<id>" only: matched by container ID alone
    Unknown,  // empty or unparsable: nobody's; matched by no DEL/CHECK, released by GC
  };
  Kind kind = Kind::Unknown;
  std::string container_id;
  std::string ifname;  // empty unless Pair

  /// The owner our ADD writes for an attachment.
  static Owner pair(const Attachment& a) { return {Kind::Pair, a.container_id, a.ifname}; }
  /// An ID-only owner, as files of old versions hold.
  static Owner legacy(std::string id) { return {Kind::Legacy, std::move(id), {}}; }

  /// Parses a reservation file's content. Pure.
  static Owner parse(std::string_view content);

  /// The file content the reference writes for a Pair: "<id>\r\n<ifname>". Pure.
  std::string serialize() const;

  /// Whether this is exactly the attachment's reservation (a Pair with the same ID and name).
  bool is(const Attachment& a) const noexcept {
    return kind == Kind::Pair && container_id == a.container_id && ifname == a.ifname;
  }
  /// Whether this is a legacy ID-only reservation of container `id`.
  bool is_legacy_of(std::string_view id) const noexcept {
    return kind == Kind::Legacy && container_id == id;
  }

  bool operator==(const Owner&) const = default;
};

/// "container c1 interface eth0" / "container c1 (legacy ID-only reservation)", for messages.
std::string describe(const Owner& o);

}  // namespace cni::ipam

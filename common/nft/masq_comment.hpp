#pragma once

// The owner tag of a masquerade rule: the rule comment the reference plugins write
// (containernetworking/plugins pkg/ip/ipmasq_nftables_linux.go, commentForInstance):
//
//   "<h16(network)>-<h16(ifname + ":" + containerID)>, net: <network>, if: <ifname>, id: <id>"
//
// h16(s) = the first 16 lowercase hex digits of SHA-512(s) (utils.MustFormatHashWithPrefix(16,
// "", s)); the human-readable part has '"' removed from each value and the whole comment is cut
// at 128 bytes (knftables.CommentLengthMax). The 33-character hash prefix alone identifies the
// attachment, so teardown needs neither the container's addresses nor its namespace. Pure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cni::nft {

/// Who owns a masquerade rule: the CNI network name, CNI_CONTAINERID and CNI_IFNAME.
struct MasqAttachment {
  std::string network;
  std::string container_id;
  std::string ifname;
};

/// The longest rule comment: knftables.CommentLengthMax, NFTNL_UDATA_COMMENT_MAXLEN.
inline constexpr std::size_t kMasqCommentMax = 128;

/// h16(network): the prefix shared by every rule of one network (16 hex digits).
std::string masq_network_hash(std::string_view network);

/// h16(network) + "-" + h16(ifname + ":" + container_id): the prefix of every rule of one
/// attachment (33 characters).
std::string masq_instance_hash(const MasqAttachment& a);

/// The full comment of the attachment's rules, at most kMasqCommentMax bytes.
std::string masq_comment(const MasqAttachment& a);

/// A rule comment read back.
struct MasqCommentFields {
  std::string instance_hash;  // the 33-character prefix
  MasqAttachment attachment;  // as written after the hash (possibly cut short)
  bool verified = false;      // whether `attachment` hashes to instance_hash: complete and exact
};

/// Parses a comment written by masq_comment() (or the reference); nullopt when it does not
/// start with an instance hash. Fields missing from a truncated comment are left empty.
std::optional<MasqCommentFields> parse_masq_comment(std::string_view comment);

}  // namespace cni::nft

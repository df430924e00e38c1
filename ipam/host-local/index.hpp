#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "owner.hpp"
#include "sys/unique_fd.hpp"

namespace cni::ipam {

/// The lookup index that lets DEL, CHECK and ADD's duplicate check find an attachment's
/// reservations without reading every reservation file. It is a cache: the reservation files
/// in the network directory (the reference's format) stay the only truth.
///
/// Layout, outside the network directory so that the reference binary never sees it:
///   <dataDir>/.cni-cpp-host-local/<network>/seal       which state of the network dir it is
///   <dataDir>/.cni-cpp-host-local/<network>/b/<id>@<ifname>   the attachment's addresses
///   <dataDir>/.cni-cpp-host-local/<network>/b/<id>     legacy ID-only reservations of <id>
///
/// Validity: every change to the network directory's entries (a reservation created or
/// removed, by us or by the reference binary) sets the directory's mtime to the current time.
/// After our own changes we stamp the directory's mtime with a value two seconds in the past
/// carrying a random nanosecond field ("the seal") and record it. If the directory still shows
/// exactly that mtime, nobody added or removed a file since, and the buckets are complete; any
/// other value means someone else (or a crash of ours) changed it, and the store rescans every
/// reservation file and rebuilds the buckets. This works on any kernel and file-system
/// timestamp granularity, unlike comparing timestamps with the clock.
class Index {
 public:
  /// An attachment's (or legacy ID's) addresses as recorded in one bucket.
  struct Bucket {
    Owner owner;
    std::vector<net::IpAddress> ips;
  };

  Index() = default;

  /// Opens (creating) the index of `network` under the data directory `data_dirfd`. Never
  /// throws: when it cannot be created the index is disabled and the store scans instead.
  static Index open(int data_dirfd, const std::string& network);
  /// Whether the index's top directory exists in the data directory.
  static bool top_exists(int data_dirfd);
  /// Removes the network's index (and the top directory when `with_top` and it is empty then).
  /// Never throws: the index is a cache.
  static void destroy(int data_dirfd, const std::string& network, bool with_top) noexcept;

  /// Whether the index could be opened; a disabled index makes the store scan every time.
  bool enabled() const noexcept { return static_cast<bool>(root_); }

  /// Whether the recorded seal matches the network directory's current identity and mtime and
  /// the bucket directory: then the buckets list every reservation. Never throws.
  bool sealed(int net_dirfd) const noexcept;

  /// The bucket name of an owner: "<id>@<ifname>" for a Pair, "<id>" for a Legacy owner;
  /// nullopt when it has none (Unknown, or too long for a file name).
  static std::optional<std::string> bucket_name(const Owner& o);

  /// Reads a bucket: empty when it does not exist; nullopt when it is unreadable or does not
  /// belong to `owner` (a corrupt index: the caller rescans).
  std::optional<Bucket> read_bucket(const std::string& name, const Owner& owner) const;

  /// Writes (or, when it has no address, removes) one bucket atomically.
  void write_bucket(const std::string& name, const Bucket& b);

  /// Replaces every bucket with `buckets` (by bucket name), swapping in a new bucket directory.
  void rebuild(const std::map<std::string, Bucket>& buckets);

  /// Stamps the network directory's mtime with a fresh seal and records it. Call after the
  /// last change to the directory and the buckets. Throws cni::Error(System) on failure.
  void seal(int net_dirfd);

  /// Forgets the seal so that the next operation rescans (after a failed update). Never throws.
  void unseal() noexcept;

  /// The bucket file's content (header, owner line, one address a line). Pure.
  static std::string format_bucket(const Bucket& b);

 private:
  sys::UniqueFd root_;     // <dataDir>/.cni-cpp-host-local/<network>
  sys::UniqueFd buckets_;  // .../b
};

}  // namespace cni::ipam

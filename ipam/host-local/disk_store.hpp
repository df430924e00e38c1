#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "file_lock.hpp"
#include "index.hpp"
#include "store.hpp"
#include "sys/unique_fd.hpp"

namespace cni::ipam {

/// The default for how long to wait for another process's lock on a network.
inline constexpr std::chrono::milliseconds kDefaultLockTimeout{60000};

/// The reference's on-disk store, byte for byte: the directory <dataDir>/<network>/ holds one
/// file per reserved address, named by the address (Go's net.IP.String(), which is also ours),
/// containing "<containerID>\r\n<ifname>" (files of old versions: "<containerID>");
/// "last_reserved_ip.<set index>" holding the last address reserved in that range set; and
/// "lock", flock()ed exclusively for the whole operation. Either binary can therefore take
/// over a host from the other, in both directions, at any time.
///
/// Lookups by attachment go through Index (see index.hpp) instead of reading every file; the
/// index is checked against the directory on every open and rebuilt from the files whenever
/// the directory changed behind our back (e.g. the reference binary ran).
class DiskStore final : public Store {
 public:
  enum class Mode {
    Create,        // create the data and network directories when missing (ADD)
    ExistingOnly,  // open() returns nullptr when the network directory does not exist
  };

  /// Opens the network's directory and takes its lock (waiting at most `lock_timeout`).
  /// Throws cni::Error: System on a file-system failure, TryAgainLater on a lock timeout,
  /// Internal if `network` is not a safe single path component (the skel validated it).
  static std::unique_ptr<DiskStore> open(
      const std::string& data_dir, const std::string& network, Mode mode,
      std::chrono::milliseconds lock_timeout = kDefaultLockTimeout);

  /// Brings the index up to date with this operation's changes and seals it. Never throws:
  /// a failure only costs the next operation a rescan. Call once, at the end of a successful
  /// or failed operation; the lock is released when the store is destroyed.
  void commit() noexcept;

  bool reserve(const net::IpAddress& ip, const Attachment& who, std::size_t set_index) override;
  bool release(const net::IpAddress& ip, const Owner& owner) override;
  std::vector<net::IpAddress> find_by_attachment(const Attachment& who) override;
  std::vector<net::IpAddress> find_legacy(const std::string& id) override;
  std::optional<net::IpAddress> last_reserved(std::size_t set_index) override;
  /// The text of last_reserved_ip.<set_index> as it is on disk; nullopt when there is none.
  std::optional<std::string> last_reserved_text(std::size_t set_index);
  /// Puts last_reserved_ip.<set_index> back to `text` (removes it for nullopt).
  void restore_last_reserved(std::size_t set_index, const std::optional<std::string>& text);
  /// Removes the network's directory (every file in it, the lock included) and its index,
  /// the index's top directory too when `with_index_top` and it is empty. For undoing an ADD
  /// that created the directory, once no reservation is left; the store is spent afterwards.
  /// Other processes of ours waiting for the lock notice and start over (see open()).
  void remove_network(bool with_index_top);
  std::vector<Reservation> all() override;
  std::vector<net::IpAddress> reserved_addresses() override;

  /// Whether this operation had to read every reservation file (the index was missing, stale
  /// or disabled). For tests and debug logs.
  bool scanned() const noexcept { return full_.has_value(); }

 private:
  DiskStore() = default;

  // Reads every reservation file (and removes leftover temp files): the full picture.
  void scan();
  // The bucket of `owner`, loaded once; nullptr when the index cannot serve it (then scan()
  // has run and full_ is set).
  Index::Bucket* bucket(const Owner& owner);
  std::vector<net::IpAddress> lookup(const Owner& key);
  void record(const net::IpAddress& ip, const Owner& owner);
  void forget(const net::IpAddress& ip, const Owner& owner);

  sys::UniqueFd data_;
  std::string network_;
  sys::UniqueFd net_;
  bool removed_ = false;
  std::unique_ptr<FileLock> lock_;
  Index index_;
  std::optional<std::map<net::IpAddress, Owner>> full_;
  std::map<std::string, Index::Bucket> buckets_;
  std::set<std::string> dirty_buckets_;
  bool changed_ = false;  // reservation files were created or removed
};

}  // namespace cni::ipam

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/skel.hpp"
#include "net/ip.hpp"
#include "owner.hpp"

namespace cni::ipam {

/// One reserved address and who holds it.
struct Reservation {
  net::IpAddress ip;
  Owner owner;
  bool operator==(const Reservation&) const = default;
};

/// Where reservations live. The allocator and the commands only talk to this interface; the
/// disk implementation (DiskStore) keeps the reference's on-disk format, tests use an
/// in-memory one. A store is exclusively locked for its whole lifetime (the object is the
/// scoped lock), so a sequence of calls is atomic with respect to other processes.
class Store {
 public:
  virtual ~Store() = default;

  /// Reserves `ip` for `who` and records it as the last address reserved in range set
  /// `set_index`. Returns false (changing nothing) when `ip` is already reserved.
  virtual bool reserve(const net::IpAddress& ip, const Attachment& who, std::size_t set_index) = 0;

  /// Releases `ip` if it is still held by `owner` (checked again right before removing).
  /// Returns false when it was gone or is held by someone else (then nothing is removed).
  virtual bool release(const net::IpAddress& ip, const Owner& owner) = 0;

  /// The addresses reserved for exactly this (containerID, ifname).
  virtual std::vector<net::IpAddress> find_by_attachment(const Attachment& who) = 0;

  /// The addresses of legacy ID-only reservations of container `id`.
  virtual std::vector<net::IpAddress> find_legacy(const std::string& id) = 0;

  /// The last address reserved in range set `set_index`, if known.
  virtual std::optional<net::IpAddress> last_reserved(std::size_t set_index) = 0;

  /// Every reservation with its owner, sorted by address (GC).
  virtual std::vector<Reservation> all() = 0;

  /// Every reserved address, sorted, without owners (STATUS: may avoid reading files).
  virtual std::vector<net::IpAddress> reserved_addresses() = 0;
};

}  // namespace cni::ipam

#pragma once

#include <chrono>

#include "sys/unique_fd.hpp"

namespace cni::netns {

/// An advisory lock on the calling thread's network namespace (flock(2) on its nsfs inode, so
/// it leaves no file behind and every process of that namespace sees the same lock).
///
/// Why: an ADD may create host objects that later ADDs share (a bridge, its gateway address,
/// forwarding, firewall tables). A failed ADD gives back what it created only once nothing
/// else uses it; to decide that safely no other ADD of ours may be between finding such an
/// object and using it. So every ADD holds the lock shared from its first host change to its
/// result (shared holders never wait for each other), and the undo of a failed ADD holds it
/// exclusively. The reference plugins do not take it: against a concurrent reference ADD the
/// undo is as safe as the reference itself (README, "where we differ").
class NamespaceLock {
 public:
  /// Takes the lock shared, waiting for an exclusive holder at most `timeout`. Throws
  /// cni::Error(TryAgainLater) on timeout, cni::Error(System) on other failures.
  static NamespaceLock shared(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Converts to exclusive, waiting at most `timeout` for the shared holders to finish.
  /// Returns false on timeout (then the lock is not held at all: the caller must give back
  /// nothing shared). Never throws.
  bool make_exclusive(std::chrono::milliseconds timeout = std::chrono::seconds(30)) noexcept;

  /// Releases the lock (also done on destruction).
  void release() noexcept { fd_.reset(); }

 private:
  explicit NamespaceLock(sys::UniqueFd fd) : fd_(std::move(fd)) {}
  sys::UniqueFd fd_;
};

}  // namespace cni::netns

#pragma once

#include <chrono>
#include <string>

#include "sys/unique_fd.hpp"

namespace cni::ipam {

/// An exclusive flock(2) on a lock file, held for the object's lifetime (RAII). The same lock
/// the reference host-local takes (go-filemutex: flock(LOCK_EX) on "<network dir>/lock"), so
/// both binaries serialise on one host.
class FileLock {
 public:
  /// Opens (creating, mode 0600) `name` in `dirfd` and waits for the exclusive lock. Throws
  /// cni::Error(TryAgainLater) when it is still held by someone else after `timeout`, and
  /// cni::Error(System) when the file cannot be opened or locked.
  FileLock(int dirfd, const std::string& name, std::chrono::milliseconds timeout);
  ~FileLock();  // unlocks (closing the fd releases the flock)

  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  sys::UniqueFd fd_;
};

}  // namespace cni::ipam

#pragma once

#include <optional>
#include <string>

#include "sys/unique_fd.hpp"

namespace cni::netns {

/// An open network namespace: an owning fd plus the path it was opened from.
class Handle {
 public:
  /// Opens `path` and checks that it really is a network namespace (nsfs/procfs magic and
  /// NS_GET_NSTYPE == CLONE_NEWNET). Returns nullopt when the path does not exist.
  /// Throws cni::Error(InvalidNetns) when it exists but is not a network namespace, and
  /// cni::Error(Netns) on any other failure; both messages name the path.
  static std::optional<Handle> open(const std::string& path);

  /// The calling thread's current network namespace.
  static Handle current();

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }

  /// Whether both handles refer to the same namespace (same nsfs inode).
  bool same_as(const Handle& other) const;

 private:
  Handle(sys::UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  sys::UniqueFd fd_;
  std::string path_;
};

/// Enter-and-return guard: switches the calling thread into `target` and back to the namespace
/// it was in when the guard is destroyed. If switching back fails the process aborts: carrying
/// on in the wrong namespace would configure the wrong network. Not copyable, not movable.
class Enter {
 public:
  explicit Enter(const Handle& target);
  ~Enter();
  Enter(const Enter&) = delete;
  Enter& operator=(const Enter&) = delete;

 private:
  Handle original_;
};

}  // namespace cni::netns

#include "file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cni/error.hpp"

namespace cni::ipam {

FileLock::FileLock(int dirfd, const std::string& name, std::chrono::milliseconds timeout) {
  fd_.reset(::openat(dirfd, name.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) {
    throw Error(Code::System, "lock: open " + name + ": " + std::strerror(errno));
  }
  // Polls with a growing pause rather than blocking, so that a stuck holder turns into a
  // "try again later" error instead of a hung runtime.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  long pause_us = 50;
  for (;;) {
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      throw Error(Code::System, "lock: flock " + name + ": " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error(Code::TryAgainLater, "lock: " + name +
                                           " is still held by another process after " +
                                           std::to_string(timeout.count()) + " ms");
    }
    timespec ts{0, pause_us * 1000};
    ::nanosleep(&ts, nullptr);
    pause_us = std::min(pause_us * 2, 2000L);
  }
}

FileLock::~FileLock() {
  if (fd_) ::flock(fd_.get(), LOCK_UN);
}

}  // namespace cni::ipam

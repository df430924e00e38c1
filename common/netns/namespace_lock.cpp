#include "netns/namespace_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "cni/error.hpp"

namespace cni::netns {

namespace {
using Clock = std::chrono::steady_clock;

// flock with a deadline: non-blocking attempts with a short, growing pause. Returns 0, or the
// errno of the last attempt (EWOULDBLOCK on timeout).
int lock_until(int fd, int how, std::chrono::milliseconds timeout) noexcept {
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    if (::flock(fd, how | LOCK_NB) == 0) return 0;
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK || Clock::now() >= deadline) return err;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}
}  // namespace

NamespaceLock NamespaceLock::shared(std::chrono::milliseconds timeout) {
  sys::UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw Error(Code::System,
                std::string("lock the host network namespace: ") + std::strerror(errno));
  }
  if (int err = lock_until(fd.get(), LOCK_SH, timeout); err != 0) {
    if (err == EWOULDBLOCK) {
      throw Error(Code::TryAgainLater,
                  "lock the host network namespace: still held by a failed ADD undoing its "
                  "changes");
    }
    throw Error(Code::System,
                std::string("lock the host network namespace: ") + std::strerror(err));
  }
  return NamespaceLock(std::move(fd));
}

bool NamespaceLock::make_exclusive(std::chrono::milliseconds timeout) noexcept {
  if (!fd_) return false;
  // Linux converts a flock by dropping the shared lock first: on failure none is held.
  return lock_until(fd_.get(), LOCK_EX, timeout) == 0;
}

}  // namespace cni::netns

#include "sys/netns_mutex.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "cni/error.hpp"

namespace cni::sys {

NetnsMutex::NetnsMutex(std::string_view name, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // sun_path[0] stays '\0': the abstract namespace; the name follows, without a terminator.
  const std::size_t len = std::min(name.size(), sizeof(addr.sun_path) - 1);
  std::memcpy(addr.sun_path + 1, name.data(), len);
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
  const std::string what(name);

  fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd_) throw Error(Code::System, "lock " + what + ": socket: " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  long pause_us = 50;
  for (;;) {
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), addr_len) == 0) return;
    if (errno != EADDRINUSE) {
      throw Error(Code::System, "lock " + what + ": bind: " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error(Code::TryAgainLater, "lock " + what + " is still held by another process after " +
                                           std::to_string(timeout.count()) + " ms");
    }
    timespec ts{0, pause_us * 1000};
    ::nanosleep(&ts, nullptr);
    pause_us = std::min(pause_us * 2, 2000L);
  }
}

}  // namespace cni::sys

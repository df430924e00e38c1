#pragma once

#include <chrono>
#include <string_view>

#include "sys/unique_fd.hpp"

namespace cni::sys {

/// A mutex shared by every process of one network namespace, held while this object lives: a
/// unix socket bound to an abstract address. Abstract addresses belong to the network
/// namespace of the socket's creator, can be bound by one socket at a time, leave no file
/// behind, and are released by the kernel when the holder exits, however it exits. Taken in the
/// calling thread's current network namespace. Waits with a growing pause (50 us to 2 ms) and
/// throws cni::Error(TryAgainLater) after `timeout`.
class NetnsMutex {
 public:
  NetnsMutex(std::string_view name, std::chrono::milliseconds timeout);

 private:
  UniqueFd fd_;
};

}  // namespace cni::sys

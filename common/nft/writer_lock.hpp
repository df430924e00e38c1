#pragma once

#include <optional>

#include "sys/netns_mutex.hpp"

namespace cni::nft {

/// Held by every list-then-commit transaction of ours (transact(), hostports), so that in one
/// network namespace they run one at a time. Without it, parallel ADDs on a host with long
/// chains (1000 containers' port mappings) keep interrupting each other's dumps: every commit
/// bumps the ruleset's generation and aborts the dumps in flight, until the retries run out.
/// Re-entrant within a thread. Other programs (iptables, the reference plugins) do not take it;
/// the retries remain for them. Waits at most 10 s (then TryAgainLater).
class WriterLock {
 public:
  WriterLock();
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  std::optional<sys::NetnsMutex> mutex_;
};

}  // namespace cni::nft

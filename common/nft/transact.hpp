#pragma once

#include <functional>

#include "nft/batch.hpp"
#include "nft/socket.hpp"

namespace cni::nft {

/// One list-then-change transaction, retried when it raced: opens a Socket in the calling
/// thread's current network namespace, runs `fill` (which lists what it needs over the socket
/// and adds its messages to the batch) and commits. A batch refused with ENOENT by a `delete`
/// or `flush` message (something it deletes vanished between the listing and the commit:
/// handles are never reused, so nothing else is ever deleted) is rebuilt after a random pause
/// that doubles each time (1-2 ms, 2-4 ms, ... up to 32-64 ms); after 10 attempts the caller
/// gets cni::Error(TryAgainLater). Any other refusal throws at once. Holds our WriterLock
/// (nft/writer_lock.hpp) throughout.
void transact(const std::function<void(Socket&, Batch&)>& fill);

}  // namespace cni::nft

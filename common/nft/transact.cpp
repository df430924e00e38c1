#include "nft/transact.hpp"

#include <cerrno>
#include <string>

#include "cni/error.hpp"
#include "nft/back_off.hpp"
#include "nft/writer_lock.hpp"

namespace cni::nft {
namespace {

// Only calls about the same attachment (or GC) touch the same rules, which CNI runtimes do
// not run concurrently; collisions are rare and short.
constexpr int kAttempts = 10;
constexpr int kMaxPauseUs = 32000;

bool is_deletion(const std::string& op) {
  return op.starts_with("delete ") || op.starts_with("flush ");
}

}  // namespace

void transact(const std::function<void(Socket&, Batch&)>& fill) {
  const WriterLock lock;
  Socket sock;
  for (int attempt = 1;; ++attempt) {
    Batch batch(sock);
    fill(sock, batch);
    auto failure = batch.try_commit();
    if (!failure) return;
    const bool raced = failure->error == ENOENT && is_deletion(failure->op);
    if (!raced) throw failure->to_error();
    if (attempt == kAttempts) {
      const cni::Error e = failure->to_error();
      throw cni::Error(
          Code::TryAgainLater,
          e.msg() + " (rules kept changing, " + std::to_string(kAttempts) + " attempts)",
          e.details());
    }
    back_off(attempt, 1000, kMaxPauseUs);
  }
}

}  // namespace cni::nft

#include "nft/writer_lock.hpp"

#include <chrono>

namespace cni::nft {
namespace {
thread_local int t_depth = 0;  // WriterLocks alive in this thread
}  // namespace

WriterLock::WriterLock() {
  if (t_depth == 0) mutex_.emplace("cni-plugins-cpp/nft-writer", std::chrono::seconds(10));
  ++t_depth;
}

WriterLock::~WriterLock() {
  --t_depth;
}

}  // namespace cni::nft

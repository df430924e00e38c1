#include "netns/namespace_lock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace cni::netns {
namespace {

using std::chrono::milliseconds;

// Each NamespaceLock opens the namespace file anew, so two locks in one process conflict as
// two processes' would.
TEST(NamespaceLock, SharedHoldersDoNotWaitForEachOther) {
  auto a = NamespaceLock::shared(milliseconds(100));
  auto b = NamespaceLock::shared(milliseconds(100));
  SUCCEED();
}

TEST(NamespaceLock, ExclusiveWaitsForTheSharedHolders) {
  auto holder = NamespaceLock::shared();
  auto undo = NamespaceLock::shared();
  EXPECT_FALSE(undo.make_exclusive(milliseconds(50))) << "another ADD still holds it";
  std::thread release([&] {
    std::this_thread::sleep_for(milliseconds(50));
    holder.release();
  });
  EXPECT_TRUE(undo.make_exclusive(milliseconds(5000)));
  release.join();
  // While held exclusively, a new ADD waits (and here times out).
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(NamespaceLock::shared(milliseconds(50)), std::exception);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(50));
  undo.release();
  EXPECT_NO_THROW(NamespaceLock::shared(milliseconds(50)));
}

}  // namespace
}  // namespace cni::netns

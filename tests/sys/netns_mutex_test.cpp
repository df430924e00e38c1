// The per-network-namespace mutex, taken only inside throwaway namespaces.
#include "sys/netns_mutex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cni/error.hpp"
#include "netns/netns.hpp"
#include "support/errors.hpp"
#include "support/temp_netns.hpp"

namespace cni::sys {
namespace {

using namespace std::chrono_literals;

TEST(RootNetnsMutex, ExclusiveInOneNamespaceIndependentAcrossNamespaces) {
  CNI_REQUIRE_ROOT();
  test::TempNetns a;
  test::TempNetns b;
  ASSERT_TRUE(a.ok() && b.ok());
  netns::Enter enter_a(a.handle());
  std::optional<NetnsMutex> held;
  held.emplace("cni-test/mutex", 1s);
  // A second holder in the same namespace waits, then gives up with "try again later".
  auto e = test::error_of([] { NetnsMutex again("cni-test/mutex", 100ms); });
  EXPECT_EQ(e.code(), Code::TryAgainLater);
  EXPECT_EQ(e.msg(), "lock cni-test/mutex is still held by another process after 100 ms");
  // Another namespace has its own.
  {
    netns::Enter enter_b(b.handle());
    EXPECT_NO_THROW(NetnsMutex("cni-test/mutex", 100ms));
  }
  // A waiter gets it once the holder lets go.
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    netns::Enter in_a(a.handle());
    NetnsMutex later("cni-test/mutex", 5s);
    got = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(got);
  held.reset();
  waiter.join();
  EXPECT_TRUE(got);
}

}  // namespace
}  // namespace cni::sys

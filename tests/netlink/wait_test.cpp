#include "netlink/wait.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "netlink/bridge.hpp"
#include "netlink/veth.hpp"
#include "two_ns_fixture.hpp"

namespace cni::nl {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class RootWaitOperUp : public test::RootTwoNetns {
 protected:
  // vh0 (host, up) <-> eth0 (container, down): vh0 is not operationally up yet.
  void SetUp() override {
    RootTwoNetns::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    VethSpec s{
        .host_name = "vh0", .peer_name = "eth0", .peer_ns = cont_handle_.get(), .host_up = true};
    ASSERT_EQ(create_veth(*hsock_, s), VethOutcome::Created);
    port_ = host_link("vh0").index();
    ASSERT_NE(host_link("vh0").oper_state(), OperState::Up);
  }
  int port_ = 0;
};

TEST_F(RootWaitOperUp, TimesOutWhileThePeerStaysDown) {
  const auto start = Clock::now();
  EXPECT_FALSE(wait_oper_up(*hsock_, port_, 200ms));
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2s);
}

TEST_F(RootWaitOperUp, ReturnsAtOnceWhenAlreadyUp) {
  set_up(*csock_, cont_link("eth0"));
  const auto start = Clock::now();
  EXPECT_TRUE(wait_oper_up(*hsock_, port_, 5s));
  EXPECT_LT(Clock::now() - start, 500ms);
}

TEST_F(RootWaitOperUp, WakesUpWhenThePeerComesUp) {
  const int peer = cont_link("eth0").index();
  std::thread later([&] {
    std::this_thread::sleep_for(100ms);
    set_up(*csock_, peer);  // the main thread does not use csock_ meanwhile
  });
  const auto start = Clock::now();
  const bool up = wait_oper_up(*hsock_, port_, 5s);
  const auto took = Clock::now() - start;
  later.join();
  EXPECT_TRUE(up);
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 2s) << "woken by the event, not by the timeout";
}

TEST_F(RootWaitOperUp, BridgePortBecomesForwarding) {
  auto br = ensure_bridge(*hsock_, {.name = "br0"});
  set_master(*hsock_, port_, br.index());
  set_up(*csock_, cont_link("eth0"));
  EXPECT_TRUE(wait_oper_up(*hsock_, port_, 5s));
  EXPECT_EQ(ip_details("vh0")["linkinfo"]["info_slave_data"]["state"], "forwarding");
}

TEST_F(RootWaitOperUp, FalseAtOnceForAMissingOrRemovedLink) {
  auto start = Clock::now();
  EXPECT_FALSE(wait_oper_up(*hsock_, 4242, 5s));
  EXPECT_LT(Clock::now() - start, 1s);

  std::thread later([&] {
    std::this_thread::sleep_for(100ms);
    remove_link(*csock_, "eth0");
  });
  start = Clock::now();
  const bool up = wait_oper_up(*hsock_, port_, 5s);
  const auto took = Clock::now() - start;
  later.join();
  EXPECT_FALSE(up);
  EXPECT_LT(took, 2s) << "the deletion event ends the wait";
}

TEST_F(RootWaitOperUp, WorksFromInsideTheNamespaceToo) {
  // The socket's namespace is the calling thread's own: no namespace switch needed.
  bool up = false;
  const auto host_ns = host_->handle();
  std::thread inside([&] {
    netns::Enter enter(host_ns);
    Socket local;
    std::thread later([&] {
      std::this_thread::sleep_for(50ms);
      set_up(*csock_, cont_link("eth0"));
    });
    up = wait_oper_up(local, port_, 5s);
    later.join();
  });
  inside.join();
  EXPECT_TRUE(up);
}

}  // namespace
}  // namespace cni::nl

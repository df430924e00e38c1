#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "netns/netns.hpp"
#include "support/capture.hpp"
#include "support/temp_netns.hpp"

namespace cni::test {

/// A privileged test with a throwaway namespace for nftables work; the root namespace's
/// ruleset must be the same after the test as before it.
class RootNftNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    root_ruleset_ = capture("nft list ruleset");
    ns_ = std::make_unique<TempNetns>();
    ASSERT_TRUE(ns_->ok());
  }
  void TearDown() override {
    if (!ns_) return;
    ns_.reset();
    EXPECT_EQ(capture("nft list ruleset"), root_ruleset_) << "the root namespace changed";
  }

  /// Runs f() with the calling thread inside the throwaway namespace.
  template <typename F>
  auto in_ns(F&& f) {
    netns::Enter enter(ns_->handle());
    return f();
  }

  std::unique_ptr<TempNetns> ns_;
  std::string root_ruleset_;
};

}  // namespace cni::test

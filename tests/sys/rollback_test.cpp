#include "sys/rollback.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace cni::sys {
namespace {

TEST(Rollback, RunsStepsNewestFirstWhenNotCommitted) {
  std::vector<int> order;
  {
    Rollback rb;
    rb.push([&] { order.push_back(1); });
    rb.push([&] { order.push_back(2); });
    rb.push([&] { order.push_back(3); });
    EXPECT_EQ(rb.size(), 3U);
  }
  EXPECT_EQ(order, (std::vector<int>{3, 2, 1}));
}

TEST(Rollback, CommitKeepsEverything) {
  int runs = 0;
  {
    Rollback rb;
    rb.push([&] { ++runs; });
    rb.commit();
    EXPECT_TRUE(rb.empty());
  }
  EXPECT_EQ(runs, 0);
}

TEST(Rollback, RunsOnException) {
  std::vector<std::string> undone;
  auto op = [&] {
    Rollback rb;
    rb.push([&] { undone.emplace_back("create link"); });
    rb.push([&] { undone.emplace_back("add address"); });
    throw std::runtime_error("add route failed");
  };
  EXPECT_THROW(op(), std::runtime_error);
  EXPECT_EQ(undone, (std::vector<std::string>{"add address", "create link"}));
}

TEST(Rollback, AThrowingStepIsReportedAndTheRestStillRun) {
  std::vector<int> order;
  std::vector<std::string> errors;
  {
    Rollback rb([&](const std::string& e) { errors.push_back(e); });
    rb.push([&] { order.push_back(1); });
    rb.push([] { throw std::runtime_error("undo 2 failed"); });
    rb.push([] { throw 42; });
    rb.push([&] { order.push_back(4); });
  }
  EXPECT_EQ(order, (std::vector<int>{4, 1}));
  EXPECT_EQ(errors, (std::vector<std::string>{"unknown exception", "undo 2 failed"}));
}

TEST(Rollback, FailuresAreSwallowedWithoutACallback) {
  int runs = 0;
  {
    Rollback rb;
    rb.push([&] { ++runs; });
    rb.push([] { throw std::runtime_error("ignored"); });
  }
  EXPECT_EQ(runs, 1);
}

TEST(Rollback, ExplicitRunRunsOnce) {
  int runs = 0;
  {
    Rollback rb;
    rb.push([&] { ++runs; });
    rb.run();
    EXPECT_EQ(runs, 1);
    EXPECT_TRUE(rb.empty());
  }
  EXPECT_EQ(runs, 1);
}

TEST(Rollback, MoveTransfersTheSteps) {
  std::vector<int> order;
  {
    Rollback outer;
    {
      Rollback inner;
      inner.push([&] { order.push_back(1); });
      outer = std::move(inner);
    }
    EXPECT_TRUE(order.empty()) << "the moved-from stack must not run the steps";
    Rollback third(std::move(outer));
    third.push([&] { order.push_back(2); });
  }
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

}  // namespace
}  // namespace cni::sys

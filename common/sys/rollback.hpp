#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace cni::sys {

/// A stack of undo steps. Push one right after each action succeeds; call commit() as the last
/// statement of a successful operation. If destroyed uncommitted (an exception, an early
/// return), runs the steps in reverse order. An undo step that throws is skipped over: the
/// remaining steps still run (each step should log its own failure).
class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() { run(); }

  void push(std::function<void()> undo) { steps_.push_back(std::move(undo)); }
  void commit() noexcept { steps_.clear(); }

  /// Runs and clears the pending steps now (newest first).
  void run() noexcept {
    while (!steps_.empty()) {
      auto step = std::move(steps_.back());
      steps_.pop_back();
      try {
        step();
      } catch (...) {
      }
    }
  }

 private:
  std::vector<std::function<void()>> steps_;
};

}  // namespace cni::sys

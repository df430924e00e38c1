#pragma once

#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cni::sys {

/// A stack of undo steps. Push one right after each action succeeds; call commit() as the last
/// statement of a successful operation. Destroyed uncommitted (an exception, an early return),
/// it runs the steps newest first. A step that throws is reported to the error callback and
/// the remaining steps still run; nothing escapes the destructor. Move-only.
class Rollback {
 public:
  /// Receives the message of an undo step that threw (what(), or "unknown exception").
  using ErrorSink = std::function<void(const std::string&)>;

  /// Undo failures are swallowed.
  Rollback() = default;
  /// Undo failures go to `on_error` (e.g. a logger); it must not throw.
  explicit Rollback(ErrorSink on_error) : on_error_(std::move(on_error)) {}

  Rollback(Rollback&& o) noexcept
      : steps_(std::exchange(o.steps_, {})), on_error_(std::move(o.on_error_)) {}
  Rollback& operator=(Rollback&& o) noexcept {
    if (this != &o) {
      run();
      steps_ = std::exchange(o.steps_, {});
      on_error_ = std::move(o.on_error_);
    }
    return *this;
  }
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() { run(); }

  /// Records how to undo the action that just succeeded. If the step cannot even be recorded
  /// (out of memory), it runs at once and the exception propagates: the action must not
  /// outlive a failed push.
  void push(std::function<void()> undo) {
    try {
      steps_.push_back(std::move(undo));
    } catch (...) {
      run_step(undo);
      throw;
    }
  }

  /// Forgets every step: the operation succeeded and its effects stay.
  void commit() noexcept { steps_.clear(); }

  /// Runs and forgets the pending steps now, newest first.
  void run() noexcept {
    while (!steps_.empty()) {
      auto step = std::move(steps_.back());
      steps_.pop_back();
      run_step(step);
    }
  }

  std::size_t size() const noexcept { return steps_.size(); }
  bool empty() const noexcept { return steps_.empty(); }

 private:
  void run_step(const std::function<void()>& step) noexcept {
    try {
      if (step) step();
    } catch (const std::exception& e) {
      report(e.what());
    } catch (...) {
      report("unknown exception");
    }
  }

  void report(const char* what) noexcept {
    if (!on_error_) return;
    try {
      on_error_(what);
    } catch (...) {
    }
  }

  std::vector<std::function<void()>> steps_;
  ErrorSink on_error_;
};

}  // namespace cni::sys

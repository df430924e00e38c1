#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace cni::test {

/// A uniquely named throwaway network namespace (/run/netns/<name>), removed by exact name on
/// destruction, also when a test assertion fails.
class TempNetns {
 public:
  TempNetns() {
    static std::atomic<int> counter{0};
    name_ = "cnitest-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    if (std::system(("ip netns add " + name_).c_str()) != 0) name_.clear();
  }
  ~TempNetns() {
    if (!name_.empty()) (void)std::system(("ip netns del " + name_ + " 2>/dev/null").c_str());
  }
  TempNetns(const TempNetns&) = delete;
  TempNetns& operator=(const TempNetns&) = delete;

  bool ok() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }
  /// Runs `ip -n <name> <args>`; true on success.
  bool ip(const std::string& args) const {
    return std::system(("ip -n " + name_ + " " + args).c_str()) == 0;
  }

 private:
  std::string name_;
};

}  // namespace cni::test

/// Skips the test unless running as root (namespace tests need CAP_SYS_ADMIN/CAP_NET_ADMIN).
#define CNI_REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root"

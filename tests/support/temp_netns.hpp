#pragma once

// Throwaway network namespaces for privileged tests. Every namespace is created here under a
// unique name (cnitest-<pid>-<counter>-<random>) and deleted by that exact name when the
// object goes away, also when a test assertion fails. Nothing here changes the caller's
// namespace: commands run with `ip -n <name>`.

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "netns/netns.hpp"

extern char** environ;

namespace cni::test {

inline bool is_root() {
  return ::geteuid() == 0;
}

/// Runs argv (looked up in PATH, no shell) and returns its exit status (-1 if it could not
/// run or was killed). Inherits stdout/stderr.
inline int run_command(const std::vector<std::string>& argv) {
  if (argv.empty()) return -1;
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// A network namespace that exists for the lifetime of this object (`ip netns add`, so it is
/// visible to `ip -n <name>` and at /run/netns/<name>). Check ok() before use: creation fails
/// without privileges. Not copyable, not movable.
class TempNetns {
 public:
  TempNetns() {
    static std::atomic<unsigned> counter{0};
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%04x", std::random_device{}() & 0xffffU);
    std::string name =
        "cnitest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + suffix;
    if (run_command({"ip", "netns", "add", name}) == 0) name_ = std::move(name);
  }
  ~TempNetns() {
    if (!name_.empty()) run_command({"ip", "netns", "delete", name_});
  }
  TempNetns(const TempNetns&) = delete;
  TempNetns& operator=(const TempNetns&) = delete;

  /// Whether the namespace was created.
  bool ok() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }

  /// Opens the namespace; throws std::runtime_error if it does not exist.
  netns::Handle handle() const {
    auto h = ok() ? netns::Handle::open(path()) : std::nullopt;
    if (!h) throw std::runtime_error("throwaway namespace " + path() + " does not exist");
    return std::move(*h);
  }

  /// Runs `ip -n <name> <args...>` (no shell); true when it succeeded.
  bool ip(std::vector<std::string> args) const {
    if (!ok()) return false;
    args.insert(args.begin(), {"ip", "-n", name_});
    return run_command(args) == 0;
  }
  /// Same with the arguments as one whitespace-separated string ("link add d0 type bridge").
  bool ip(const std::string& args) const {
    std::istringstream in(args);
    std::vector<std::string> words;
    for (std::string w; in >> w;)
      words.push_back(w);
    return ip(std::move(words));
  }
  bool ip(const char* args) const { return ip(std::string(args)); }

  /// Adds a link `name` (at most 14 bytes) for tests that need a plain one: a veth whose peer,
  /// "<name>p", is up (so `name` gets carrier once set up). Not a dummy: not every kernel has
  /// the dummy driver. True when it worked.
  bool add_link(const std::string& name) const {
    return ip({"link", "add", name, "type", "veth", "peer", "name", name + "p"}) &&
           ip({"link", "set", name + "p", "up"});
  }

 private:
  std::string name_;
};

}  // namespace cni::test

/// First statement of a privileged test (or fixture SetUp): skips unless running as root.
#define CNI_REQUIRE_ROOT()                                                          \
  do {                                                                              \
    if (!::cni::test::is_root()) GTEST_SKIP() << "needs root (network namespaces)"; \
  } while (0)

#include "netns/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cni/error.hpp"

namespace cni::netns {

namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

std::string quoted(const std::string& path) {
  return "\"" + path + "\"";
}

}  // namespace

std::optional<Handle> Handle::open(const std::string& path) {
  // O_NONBLOCK|O_NOCTTY: a FIFO or a tty given as the netns path must not hang us or become
  // our terminal; neither flag changes anything for an nsfs file.
  sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::nullopt;
    throw Error(Code::Netns, "open network namespace " + quoted(path) + ": " + std::strerror(err));
  }

  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0) {
    throw Error(Code::Netns,
                "statfs network namespace " + quoted(path) + ": " + std::strerror(errno));
  }
  // nsfs for bind mounts (/run/netns/x) and /proc/<pid>/ns/net on current kernels, procfs on
  // old ones. The magic alone would also accept a mount or user namespace file: ask the kernel.
  const bool ns_file = fs.f_type == NSFS_MAGIC || fs.f_type == PROC_SUPER_MAGIC;
  if (!ns_file || ::ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET) {
    throw Error(Code::InvalidNetns, quoted(path) + " is not a network namespace");
  }
  return Handle(std::move(fd), path);
}

Handle Handle::current() {
  sys::UniqueFd fd(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw Error(Code::Netns, std::string("open ") + kThreadNetns + ": " + std::strerror(errno));
  }
  return Handle(std::move(fd), kThreadNetns);
}

bool Handle::same_as(const Handle& other) const {
  struct stat a {};
  struct stat b {};
  if (::fstat(fd(), &a) != 0 || ::fstat(other.fd(), &b) != 0) {
    throw Error(Code::Netns, "stat network namespaces " + quoted(path_) + " and " +
                                 quoted(other.path_) + ": " + std::strerror(errno));
  }
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Enter::Enter(const Handle& target) : original_(Handle::current()) {
  if (::setns(target.fd(), CLONE_NEWNET) != 0) {
    throw Error(Code::Netns,
                "enter network namespace " + quoted(target.path()) + ": " + std::strerror(errno));
  }
}

Enter::~Enter() {
  if (::setns(original_.fd(), CLONE_NEWNET) != 0) {
    // Carrying on in the target namespace would configure the wrong network: stop here.
    std::fprintf(stderr, "fatal: cannot return to the original network namespace: %s\n",
                 std::strerror(errno));
    std::abort();
  }
}

}  // namespace cni::netns

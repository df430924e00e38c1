#include "netns/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cni/error.hpp"

namespace cni::netns {

namespace {
std::string errno_text(int err) {
  return std::strerror(err);
}

// nsfs files (bind mounts under /run/netns) and /proc/<pid>/ns/net both qualify, but only when
// the kernel says the namespace is a network one (a mount namespace file would pass the magic).
bool is_network_namespace(int fd) {
  struct statfs fs {};
  if (fstatfs(fd, &fs) != 0) return false;
  if (fs.f_type != NSFS_MAGIC && fs.f_type != PROC_SUPER_MAGIC) return false;
  return ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}
}  // namespace

std::optional<Handle> Handle::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::nullopt;
    throw Error(Code::Netns, "open network namespace \"" + path + "\": " + errno_text(err));
  }
  sys::UniqueFd owned(fd);
  if (!is_network_namespace(fd)) {
    throw Error(Code::InvalidNetns, "\"" + path + "\" is not a network namespace");
  }
  return Handle(std::move(owned), path);
}

Handle Handle::current() {
  const char* path = "/proc/thread-self/ns/net";
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(Code::Netns, std::string("open ") + path + ": " + errno_text(errno));
  }
  return Handle(sys::UniqueFd(fd), path);
}

bool Handle::same_as(const Handle& other) const {
  struct stat a {};
  struct stat b {};
  if (fstat(fd(), &a) != 0 || fstat(other.fd(), &b) != 0) {
    throw Error(Code::Netns, "stat network namespace: " + errno_text(errno));
  }
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Enter::Enter(const Handle& target) : original_(Handle::current()) {
  if (setns(target.fd(), CLONE_NEWNET) != 0) {
    throw Error(Code::Netns,
                "enter network namespace \"" + target.path() + "\": " + errno_text(errno));
  }
}

Enter::~Enter() {
  if (setns(original_.fd(), CLONE_NEWNET) != 0) {
    // Going on in the container's namespace would configure the wrong network.
    std::fprintf(stderr, "fatal: cannot return to the original network namespace: %s\n",
                 std::strerror(errno));
    std::abort();
  }
}

}  // namespace cni::netns

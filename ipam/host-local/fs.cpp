#include "fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cni/error.hpp"

namespace cni::ipam::fs {

namespace {

// The directory's path for a message (from /proc; "?" when unknown). Only on error paths.
std::string dir_path(int dirfd) {
  char buf[4096];
  auto link = "/proc/self/fd/" + std::to_string(dirfd);
  auto n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "?";
  return std::string(buf, static_cast<std::size_t>(n));
}

[[noreturn]] void fail(const char* op, int dirfd, const std::string& name, int err) {
  throw Error(Code::System,
              std::string(op) + " " + dir_path(dirfd) + "/" + name + ": " + std::strerror(err));
}

std::string temp_name() {
  static std::atomic<unsigned> counter{0};
  return std::string(kTempPrefix) + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1));
}

void write_all(int fd, std::string_view content, int dirfd, const std::string& name) {
  while (!content.empty()) {
    auto n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", dirfd, name, errno);
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes `content` to a new named temp file in dirfd; returns its name.
std::string write_temp(int dirfd, std::string_view content) {
  for (int attempt = 0;; ++attempt) {
    auto name = temp_name();
    sys::UniqueFd fd(
        ::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
      if (errno == EEXIST && attempt < 100) continue;  // a leftover of a crashed process
      fail("create", dirfd, name, errno);
    }
    try {
      write_all(fd.get(), content, dirfd, name);
    } catch (...) {
      ::unlinkat(dirfd, name.c_str(), 0);
      throw;
    }
    return name;
  }
}

// Links the unnamed file `fd` (O_TMPFILE) as `name`. Returns false on EEXIST.
bool link_tmpfile(int fd, int dirfd, const std::string& name) {
  if (::linkat(fd, "", dirfd, name.c_str(), AT_EMPTY_PATH) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != ENOENT && errno != EPERM) fail("link", dirfd, name, errno);
  // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works without it.
  auto proc = "/proc/self/fd/" + std::to_string(fd);
  if (::linkat(AT_FDCWD, proc.c_str(), dirfd, name.c_str(), AT_SYMLINK_FOLLOW) == 0) return true;
  if (errno == EEXIST) return false;
  fail("link", dirfd, name, errno);
}

}  // namespace

sys::UniqueFd open_dir_path(const std::string& path, bool create) {
  if (path.empty() || path.front() != '/') {
    throw Error(Code::InvalidConfig, "dataDir: \"" + path + "\" is not an absolute path");
  }
  sys::UniqueFd fd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw Error(Code::System, std::string("open /: ") + std::strerror(errno));
  std::size_t pos = 1;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    auto comp = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty() || comp == ".") continue;
    // Symlinks along the admin-chosen data dir are followed (as the reference does).
    sys::UniqueFd next(::openat(fd.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(fd.get(), comp.c_str(), 0755) != 0 && errno != EEXIST) {
        fail("mkdir", fd.get(), comp, errno);
      }
      next.reset(::openat(fd.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    if (!next) {
      if (errno == ENOENT && !create) return {};
      fail("open", fd.get(), comp, errno);
    }
    fd = std::move(next);
  }
  return fd;
}

sys::UniqueFd open_subdir(int dirfd, const std::string& name, bool create) {
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
  sys::UniqueFd fd(::openat(dirfd, name.c_str(), flags));
  if (!fd && errno == ENOENT && create) {
    if (::mkdirat(dirfd, name.c_str(), 0755) != 0 && errno != EEXIST) {
      fail("mkdir", dirfd, name, errno);
    }
    fd.reset(::openat(dirfd, name.c_str(), flags));
  }
  if (!fd) {
    if (errno == ENOENT && !create) return {};
    fail("open", dirfd, name, errno);
  }
  return fd;
}

std::optional<std::string> read_file(int dirfd, const std::string& name, std::size_t max) {
  sys::UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail("open", dirfd, name, errno);
  }
  std::string out;
  char buf[4096];
  while (out.size() <= max) {
    auto n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", dirfd, name, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (out.size() > max + 1) out.resize(max + 1);
  return out;
}

bool exists(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  fail("stat", dirfd, name, errno);
}

bool create_exclusive(int dirfd, const std::string& name, std::string_view content) {
  sys::UniqueFd fd(::openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (fd) {
    write_all(fd.get(), content, dirfd, name);
    return link_tmpfile(fd.get(), dirfd, name);
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) fail("create", dirfd, name, errno);
  // No O_TMPFILE on this file system: a named temp file, linked, then unlinked.
  auto tmp = write_temp(dirfd, content);
  int rc = ::linkat(dirfd, tmp.c_str(), dirfd, name.c_str(), 0);
  int err = errno;
  ::unlinkat(dirfd, tmp.c_str(), 0);
  if (rc == 0) return true;
  if (err == EEXIST) return false;
  fail("link", dirfd, name, err);
}

void replace(int dirfd, const std::string& name, std::string_view content) {
  auto tmp = write_temp(dirfd, content);
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(dirfd, tmp.c_str(), 0);
    fail("rename", dirfd, name, err);
  }
}

bool remove(int dirfd, const std::string& name) {
  if (::unlinkat(dirfd, name.c_str(), 0) == 0) return true;
  if (errno == ENOENT) return false;
  fail("remove", dirfd, name, errno);
}

std::vector<Entry> list(int dirfd) {
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open", dirfd, ".", errno);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int err = errno;
    ::close(fd);
    fail("list", dirfd, ".", err);
  }
  std::vector<Entry> out;
  errno = 0;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    bool regular = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      regular =
          ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    }
    out.push_back({std::move(name), e->d_ino, regular});
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) fail("list", dirfd, ".", err);
  return out;
}

void remove_flat_dir(int dirfd, const std::string& name) {
  auto sub = open_subdir(dirfd, name, false);
  if (!sub) return;
  for (const auto& e : list(sub.get())) {
    if (::unlinkat(sub.get(), e.name.c_str(), 0) != 0 && errno != ENOENT) {
      fail("remove", sub.get(), e.name, errno);
    }
  }
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    fail("remove", dirfd, name, errno);
  }
}

}  // namespace cni::ipam::fs

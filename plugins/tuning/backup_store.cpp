#include "backup_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#include "cni/error.hpp"
#include "sys/unique_fd.hpp"

namespace cni::tuning {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw Error(Code::System, what + " " + path + ": " + std::strerror(err));
}

void make_dirs(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail("data dir", dir, ENOTDIR);
    return;
  }
  for (std::size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
    const std::string prefix = at == std::string::npos ? dir : dir.substr(0, at);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      fail("create data dir", prefix, errno);
    }
    if (at == std::string::npos) break;
  }
}

std::string temp_suffix() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const unsigned v = rd();
    s += kHex[v & 0xf];
    s += kHex[(v >> 4) & 0xf];
  }
  return s;
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void write_backup_file(const std::string& dir, const std::string& name, const std::string& text) {
  make_dirs(dir);
  const std::string path = dir + "/" + name;
  // A leading '.': never the shape of a backup file name, so GC leaves a stray one alone.
  const std::string tmp = dir + "/." + name + "." + temp_suffix();
  sys::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) fail("create", tmp, errno);
  try {
    write_all(fd.get(), text, tmp);
    if (::close(fd.release()) != 0) fail("close", tmp, errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename to", path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

std::optional<std::string> read_backup_file(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("stat", path, errno);
  if (!S_ISREG(st.st_mode)) fail("read", path, EINVAL);
  if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > kMaxBackupFile) {
    fail("read", path, EFBIG);
  }
  std::string out;
  std::array<char, 4096> buf{};
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (out.size() > kMaxBackupFile) fail("read", path, EFBIG);
  }
  return out;
}

bool remove_backup_file(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  fail("remove", path, errno);
}

std::vector<std::string> list_files(const std::string& dir) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), ::closedir);
  DIR* d = handle.get();
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    fail("list", dir, errno);
  }
  while (const dirent* e = ::readdir(d)) {
    if (e->d_type == DT_REG) {
      out.emplace_back(e->d_name);
    } else if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
        out.emplace_back(e->d_name);
      }
    }
  }
  return out;
}

}  // namespace cni::tuning

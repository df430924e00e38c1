#include "index.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "cni/error.hpp"
#include "fs.hpp"

namespace cni::ipam {

namespace {
constexpr const char* kRootDir = ".cni-cpp-host-local";
constexpr const char* kBucketDir = "b";
constexpr const char* kNewBucketDir = "b.new";
constexpr const char* kSealFile = "seal";
// Headers with spaces: no index file can ever read as a reservation ("<id>" or
// "<id>\r\n<ifname>", where neither part may contain a space).
constexpr std::string_view kBucketHeader = "cni-plugins-cpp host-local index 1\n";
constexpr std::string_view kSealHeader = "cni-plugins-cpp host-local seal 1\n";
constexpr std::size_t kNameMax = 255;

std::string seal_line(const struct stat& dir, const struct stat& buckets) {
  return std::to_string(dir.st_dev) + " " + std::to_string(dir.st_ino) + " " +
         std::to_string(dir.st_mtim.tv_sec) + " " + std::to_string(dir.st_mtim.tv_nsec) + " " +
         std::to_string(buckets.st_ino) + "\n";
}

std::string owner_line(const Owner& o) {
  return o.container_id + "\t" + o.ifname + "\n";
}
}  // namespace

bool Index::top_exists(int data_dirfd) {
  return fs::exists(data_dirfd, kRootDir);
}

void Index::destroy(int data_dirfd, const std::string& network, bool with_top) noexcept {
  try {
    auto top = fs::open_subdir(data_dirfd, kRootDir, false);
    if (!top) return;
    if (auto root = fs::open_subdir(top.get(), network, false)) {
      fs::remove_flat_dir(root.get(), kBucketDir);
      fs::remove_flat_dir(root.get(), kNewBucketDir);
      fs::remove(root.get(), kSealFile);
      fs::remove_flat_dir(top.get(), network);
    }
    if (with_top) (void)::unlinkat(data_dirfd, kRootDir, AT_REMOVEDIR);  // fails if not empty
  } catch (const std::exception& e) {
    spdlog::warn("host-local: could not remove the index of {}: {}", network, e.what());
  }
}

Index Index::open(int data_dirfd, const std::string& network) {
  Index idx;
  try {
    auto top = fs::open_subdir(data_dirfd, kRootDir, true);
    idx.root_ = fs::open_subdir(top.get(), network, true);
    idx.buckets_ = fs::open_subdir(idx.root_.get(), kBucketDir, true);
  } catch (const std::exception& e) {
    spdlog::warn("host-local: index disabled, every operation scans the reservations: {}",
                 e.what());
    idx.root_.reset();
    idx.buckets_.reset();
  }
  return idx;
}

bool Index::sealed(int net_dirfd) const noexcept {
  if (!root_ || !buckets_) return false;
  try {
    auto text = fs::read_file(root_.get(), kSealFile);
    if (!text || !text->starts_with(kSealHeader)) return false;
    struct stat dir, buckets;
    if (::fstat(net_dirfd, &dir) != 0 || ::fstat(buckets_.get(), &buckets) != 0) return false;
    return text->substr(kSealHeader.size()) == seal_line(dir, buckets);
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::string> Index::bucket_name(const Owner& o) {
  std::string name;
  switch (o.kind) {
    case Owner::Kind::Pair:
      name = o.container_id + "@" + o.ifname;
      break;
    case Owner::Kind::Legacy:
      name = o.container_id;
      break;
    case Owner::Kind::Unknown:
      return std::nullopt;
  }
  if (name.size() > kNameMax) return std::nullopt;
  return name;
}

std::string Index::format_bucket(const Bucket& b) {
  std::string out(kBucketHeader);
  out += owner_line(b.owner);
  for (const auto& ip : b.ips)
    out += ip.to_string() + "\n";
  return out;
}

std::optional<Index::Bucket> Index::read_bucket(const std::string& name, const Owner& owner) const {
  Bucket b{owner, {}};
  auto text = fs::read_file(buckets_.get(), name, 1 << 16);
  if (!text) return b;
  const auto head = std::string(kBucketHeader) + owner_line(owner);
  if (!text->starts_with(head) || text->back() != '\n') return std::nullopt;
  std::size_t pos = head.size();
  while (pos < text->size()) {
    auto nl = text->find('\n', pos);
    auto ip = net::IpAddress::parse(std::string_view(*text).substr(pos, nl - pos));
    if (!ip) return std::nullopt;
    b.ips.push_back(*ip);
    pos = nl + 1;
  }
  return b;
}

void Index::write_bucket(const std::string& name, const Bucket& b) {
  if (b.ips.empty()) {
    fs::remove(buckets_.get(), name);
  } else {
    fs::replace(buckets_.get(), name, format_bucket(b));
  }
}

void Index::rebuild(const std::map<std::string, Bucket>& buckets) {
  fs::remove_flat_dir(root_.get(), kNewBucketDir);  // a leftover of a crashed rebuild
  // The temp file of a seal being replaced when its writer died (with host-local in-process,
  // any crash of the plugin): a crash there leaves the index unsealed, so the next operation
  // scans and rebuilds, here. (The old bucket directory goes whole, temp files included.)
  for (const auto& e : fs::list(root_.get())) {
    if (e.regular && e.name.starts_with(fs::kTempPrefix)) fs::remove(root_.get(), e.name);
  }
  {
    auto fresh = fs::open_subdir(root_.get(), kNewBucketDir, true);
    for (const auto& [name, b] : buckets) {
      if (!b.ips.empty()) fs::create_exclusive(fresh.get(), name, format_bucket(b));
    }
  }
  if (::renameat2(root_.get(), kNewBucketDir, root_.get(), kBucketDir, RENAME_EXCHANGE) != 0) {
    if (errno != ENOENT || ::renameat(root_.get(), kNewBucketDir, root_.get(), kBucketDir) != 0) {
      throw Error(Code::System,
                  std::string("index: swap bucket directory: ") + std::strerror(errno));
    }
  }
  fs::remove_flat_dir(root_.get(), kNewBucketDir);  // the old buckets
  buckets_ = fs::open_subdir(root_.get(), kBucketDir, false);
}

void Index::seal(int net_dirfd) {
  timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  unsigned nonce = 0;
  if (::getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
    nonce = static_cast<unsigned>(now.tv_nsec);
  // Two seconds in the past: every later change to the directory stamps it with the current
  // time, which even on the coarse (per-tick) clock is later, so it can never reproduce this
  // value, whatever the file system's timestamp granularity (down to one second).
  const timespec times[2] = {{0, UTIME_OMIT},
                             {now.tv_sec - 2, static_cast<long>(nonce % 1000000000U)}};
  if (::futimens(net_dirfd, times) != 0) {
    throw Error(Code::System,
                std::string("index: stamp network directory: ") + std::strerror(errno));
  }
  struct stat dir, buckets;
  if (::fstat(net_dirfd, &dir) != 0 || ::fstat(buckets_.get(), &buckets) != 0) {
    throw Error(Code::System, std::string("index: stat: ") + std::strerror(errno));
  }
  fs::replace(root_.get(), kSealFile, std::string(kSealHeader) + seal_line(dir, buckets));
}

void Index::unseal() noexcept {
  if (root_) ::unlinkat(root_.get(), kSealFile, 0);
}

}  // namespace cni::ipam

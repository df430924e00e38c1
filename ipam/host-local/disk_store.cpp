#include "disk_store.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cni/error.hpp"
#include "cni/validate.hpp"
#include "fs.hpp"
#include "range.hpp"

namespace cni::ipam {

namespace {
constexpr const char* kLockFile = "lock";
constexpr std::string_view kLastReservedPrefix = "last_reserved_ip.";
// A reservation holds "<container ID>\r\n<ifname>"; a container ID may be as long as an
// environment string (128 KiB): read it whole, or a long owner would never match again.
constexpr std::size_t kMaxReservationBytes = 1 << 18;

// A reservation file's address: the name must be an address in its canonical text, as the
// reference writes it (which is also how we write it).
std::optional<net::IpAddress> address_of(const std::string& name) {
  auto ip = net::IpAddress::parse(name);
  if (!ip || ip->to_string() != name) return std::nullopt;
  return ip;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}
}  // namespace

std::unique_ptr<DiskStore> DiskStore::open(const std::string& data_dir, const std::string& network,
                                           Mode mode, std::chrono::milliseconds lock_timeout) {
  // The skel validated the name; a store must still never build a path from an unsafe one.
  if (!is_safe_name(network)) {
    throw Error(Code::Internal, "host-local: unsafe network name \"" + network + "\"");
  }
  const bool create = mode == Mode::Create;
  std::unique_ptr<DiskStore> s;
  // A failed ADD's undo may remove the network's directory (remove_network) while we wait for
  // its lock: then the locked directory is unlinked and we start over.
  for (int attempt = 0;; ++attempt) {
    auto data = fs::open_dir_path(data_dir, create);
    if (!data) return nullptr;
    auto net = fs::open_subdir(data.get(), network, create);
    if (!net) return nullptr;
    s.reset(new DiskStore());
    s->data_ = std::move(data);
    s->network_ = network;
    s->net_ = std::move(net);
    s->lock_ = std::make_unique<FileLock>(s->net_.get(), kLockFile, lock_timeout);
    struct stat st {};
    if (::fstat(s->net_.get(), &st) != 0 || st.st_nlink > 0 || attempt == 3) break;
  }
  s->index_ = Index::open(s->data_.get(), network);
  if (!s->index_.sealed(s->net_.get())) {
    spdlog::debug("host-local: index of {} is not current; scanning", network);
    s->scan();
  }
  return s;
}

void DiskStore::scan() {
  std::map<net::IpAddress, Owner> found;
  for (const auto& e : fs::list(net_.get())) {
    if (!e.regular) continue;
    if (e.name.starts_with(fs::kTempPrefix)) {
      fs::remove(net_.get(), e.name);  // left by a crashed process of ours
      continue;
    }
    auto ip = address_of(e.name);
    if (!ip) continue;  // lock, last_reserved_ip.*, anything else
    auto content = fs::read_file(net_.get(), e.name, kMaxReservationBytes);
    if (!content) continue;  // removed meanwhile (only possible without the lock)
    found[*ip] = Owner::parse(*content);
  }
  full_ = std::move(found);
  buckets_.clear();
  dirty_buckets_.clear();
}

Index::Bucket* DiskStore::bucket(const Owner& owner) {
  if (full_) return nullptr;
  auto name = Index::bucket_name(owner);
  if (name) {
    if (auto it = buckets_.find(*name); it != buckets_.end()) return &it->second;
    if (auto b = index_.read_bucket(*name, owner)) {
      return &buckets_.emplace(*name, std::move(*b)).first->second;
    }
    spdlog::warn("host-local: index bucket {} is corrupt; scanning", *name);
  }
  scan();
  return nullptr;
}

std::vector<net::IpAddress> DiskStore::lookup(const Owner& key) {
  if (auto* b = bucket(key)) {
    // The bucket is complete (the seal held); check each entry against its file, the truth.
    std::vector<net::IpAddress> out;
    bool consistent = true;
    auto name = *Index::bucket_name(key);
    for (auto it = b->ips.begin(); it != b->ips.end();) {
      auto content = fs::read_file(net_.get(), it->to_string(), kMaxReservationBytes);
      if (!content) {
        it = b->ips.erase(it);
        dirty_buckets_.insert(name);
        continue;
      }
      if (Owner::parse(*content) != key) {
        consistent = false;  // edited behind our back: trust nothing, rescan
        break;
      }
      out.push_back(*it++);
    }
    if (consistent) return out;
    spdlog::warn("host-local: reservation files changed behind the index; scanning");
    scan();
  }
  std::vector<net::IpAddress> out;
  for (const auto& [ip, owner] : *full_) {
    if (owner == key) out.push_back(ip);
  }
  return out;
}

std::vector<net::IpAddress> DiskStore::find_by_attachment(const Attachment& who) {
  return lookup(Owner::pair(who));
}

std::vector<net::IpAddress> DiskStore::find_legacy(const std::string& id) {
  return lookup(Owner::legacy(id));
}

void DiskStore::record(const net::IpAddress& ip, const Owner& owner) {
  if (full_) {  // NOLINT(bugprone-branch-clone): the last branch runs after bucket() scanned
    (*full_)[ip] = owner;
  } else if (auto* b = bucket(owner)) {
    if (std::find(b->ips.begin(), b->ips.end(), ip) == b->ips.end()) b->ips.push_back(ip);
    dirty_buckets_.insert(*Index::bucket_name(owner));
  } else {  // bucket() scanned: full_ is set only now
    (*full_)[ip] = owner;
  }
}

void DiskStore::forget(const net::IpAddress& ip, const Owner& owner) {
  if (full_) {  // NOLINT(bugprone-branch-clone): the last branch runs after bucket() scanned
    full_->erase(ip);
  } else if (auto* b = bucket(owner)) {
    auto it = std::find(b->ips.begin(), b->ips.end(), ip);
    if (it != b->ips.end()) {
      b->ips.erase(it);
      dirty_buckets_.insert(*Index::bucket_name(owner));
    }
  } else {  // bucket() scanned: full_ is set only now
    full_->erase(ip);
  }
}

bool DiskStore::reserve(const net::IpAddress& ip, const Attachment& who, std::size_t set_index) {
  const auto owner = Owner::pair(who);
  const auto name = ip.to_string();
  if (!full_) bucket(owner);  // load (or scan) before changing anything
  if (fs::exists(net_.get(), name)) return false;
  if (!fs::create_exclusive(net_.get(), name, owner.serialize())) return false;
  changed_ = true;
  record(ip, owner);
  fs::replace(net_.get(), std::string(kLastReservedPrefix) + std::to_string(set_index), name);
  return true;
}

bool DiskStore::release(const net::IpAddress& ip, const Owner& owner) {
  const auto name = ip.to_string();
  if (!full_ && owner.kind != Owner::Kind::Unknown) bucket(owner);
  auto content = fs::read_file(net_.get(), name, kMaxReservationBytes);
  if (!content) {
    forget(ip, owner);
    return false;
  }
  auto actual = Owner::parse(*content);
  if (actual != owner) {
    if (full_) {
      (*full_)[ip] = actual;
    } else {
      scan();
    }
    return false;
  }
  fs::remove(net_.get(), name);
  changed_ = true;
  if (owner.kind == Owner::Kind::Unknown && !full_) scan();  // only GC releases these, after all()
  forget(ip, owner);
  return true;
}

std::optional<net::IpAddress> DiskStore::last_reserved(std::size_t set_index) {
  auto text =
      fs::read_file(net_.get(), std::string(kLastReservedPrefix) + std::to_string(set_index));
  if (!text) return std::nullopt;
  auto ip = net::IpAddress::parse(trim(*text));
  if (!ip) return std::nullopt;
  return canonical(*ip);
}

std::optional<std::string> DiskStore::last_reserved_text(std::size_t set_index) {
  return fs::read_file(net_.get(), std::string(kLastReservedPrefix) + std::to_string(set_index));
}

void DiskStore::restore_last_reserved(std::size_t set_index,
                                      const std::optional<std::string>& text) {
  const auto name = std::string(kLastReservedPrefix) + std::to_string(set_index);
  if (text) {
    fs::replace(net_.get(), name, *text);
  } else {
    fs::remove(net_.get(), name);
  }
}

void DiskStore::remove_network(bool with_index_top) {
  for (const auto& e : fs::list(net_.get()))
    fs::remove(net_.get(), e.name);
  if (::unlinkat(data_.get(), network_.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    throw Error(Code::System, "host-local: remove " + network_ + ": " + std::strerror(errno));
  }
  removed_ = true;
  Index::destroy(data_.get(), network_, with_index_top);
}

std::vector<Reservation> DiskStore::all() {
  if (!full_) scan();
  std::vector<Reservation> out;
  for (const auto& [ip, owner] : *full_)
    out.push_back({ip, owner});
  return out;
}

std::vector<net::IpAddress> DiskStore::reserved_addresses() {
  std::vector<net::IpAddress> out;
  if (full_) {
    for (const auto& [ip, owner] : *full_)
      out.push_back(ip);
    return out;
  }
  for (const auto& e : fs::list(net_.get())) {
    if (!e.regular) continue;
    if (auto ip = address_of(e.name)) out.push_back(*ip);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void DiskStore::commit() noexcept {
  if (removed_ || !index_.enabled()) return;
  try {
    if (full_) {
      std::map<std::string, Index::Bucket> buckets;
      for (const auto& [ip, owner] : *full_) {
        auto name = Index::bucket_name(owner);
        if (!name) continue;  // found by scanning only
        auto& b = buckets[*name];
        b.owner = owner;
        b.ips.push_back(ip);
      }
      index_.rebuild(buckets);
      index_.seal(net_.get());
      return;
    }
    for (const auto& name : dirty_buckets_)
      index_.write_bucket(name, buckets_.at(name));
    if (changed_) index_.seal(net_.get());
  } catch (const std::exception& e) {
    spdlog::warn("host-local: could not update the index ({}); the next operation rescans",
                 e.what());
    index_.unseal();
  }
}

}  // namespace cni::ipam

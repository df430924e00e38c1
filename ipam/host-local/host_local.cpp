#include "host_local.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "allocator.hpp"
#include "cni/delegate.hpp"
#include "config.hpp"
#include "disk_store.hpp"
#include "fs.hpp"
#include "index.hpp"
#include "resolv_conf.hpp"
#include "undo_note.hpp"

namespace cni::ipam {

namespace {

Attachment attachment_of(const Request& req) {
  return {req.container_id, req.ifname};
}

std::string who_text(const Attachment& a) {
  return "container " + a.container_id + " interface " + a.ifname;
}

// Why `path` (to be created with mkdir -p) could not be used, or "" when it can.
std::string unusable_reason(const std::string& path) {
  std::string p = path;
  for (;;) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return p + " is not a directory";
      if (::faccessat(AT_FDCWD, p.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
        return p + " is not writable: " + std::strerror(errno);
      }
      return {};
    }
    if (errno != ENOENT && errno != ENOTDIR) {
      return "cannot stat " + p + ": " + std::strerror(errno);
    }
    auto slash = p.find_last_of('/');
    if (slash == std::string::npos || p == "/") return "no existing parent of " + path;
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
}

// What exists before an ADD touches the data directory (for its undo note).
UndoNote what_exists(const std::string& data_dir, const std::string& network) {
  UndoNote n;
  n.net_dir_created = true;
  n.index_top_created = true;
  if (auto data = fs::open_dir_path(data_dir, false)) {
    n.net_dir_created = !fs::exists(data.get(), network);
    n.index_top_created = !Index::top_exists(data.get());
  }
  return n;
}

// The note with the addresses this ADD reserved, one per range set.
std::string complete_note(UndoNote n, const IpamConfig& cfg, const Result& r) {
  for (const auto& ip : r.ips) {
    for (std::size_t i = 0; i < cfg.range_sets.size() && i < n.sets.size(); ++i) {
      if (cfg.range_sets[i].contains(ip.address.address())) {
        n.sets[i].reserved = ip.address.address().to_string();
      }
    }
  }
  return n.to_json();
}

// After the release: last_reserved_ip of each set back to what it was, unless another ADD
// has reserved since; and a network directory the ADD created removed when nothing is left
// in it.
void undo_bookkeeping(DiskStore& store, const UndoNote& note) {
  for (std::size_t i = 0; i < note.sets.size(); ++i) {
    const auto& set = note.sets[i];
    if (set.reserved.empty() || store.last_reserved_text(i) != set.reserved) continue;
    store.restore_last_reserved(i, set.last_before);
  }
  if (note.net_dir_created && store.reserved_addresses().empty()) {
    store.remove_network(note.index_top_created);
  }
}

bool is_valid(const Owner& o, const std::vector<Attachment>& valid) {
  return std::any_of(valid.begin(), valid.end(), [&](const Attachment& a) {
    return o.kind == Owner::Kind::Pair ? o.is(a) : o.is_legacy_of(a.container_id);
  });
}

// The process that delegated this ADD: our plugins name themselves (kCallerPidEnv), so that a
// caller killed before we ran is noticed too; anyone else is our parent as we find it.
pid_t caller_pid(const Request& req) {
  if (auto named = req.env(kCallerPidEnv)) {
    char* end = nullptr;
    const long pid = std::strtol(named->c_str(), &end, 10);
    if (end != named->c_str() && *end == '\0' && pid > 0 &&
        pid <= std::numeric_limits<pid_t>::max())
      return static_cast<pid_t>(pid);
  }
  return ::getppid();
}

// Whether the caller is gone. Run in-process (cni/in_process.hpp), the caller is this very
// process, alive by definition.
bool caller_gone(pid_t caller) {
  return caller != ::getpid() && ::getppid() != caller;
}

}  // namespace

Result cmd_add(const Request& req) {
  const pid_t caller = caller_pid(req);
  auto cfg = parse_config(req.conf.raw, req.conf.version, req.args);
  Result r;
  if (!cfg.resolv_conf.empty()) r.dns = read_resolv_conf(cfg.resolv_conf);
  r.routes = cfg.routes;
  // Our plugins ask for what undoing this ADD would need (cni/delegate.hpp).
  std::optional<UndoNote> note;
  if (req.env(kUndoInfoEnv)) note = what_exists(cfg.data_dir, cfg.network);
  auto store = DiskStore::open(cfg.data_dir, cfg.network, DiskStore::Mode::Create);
  // A caller (the plugin that delegated to us) that died while we waited for the lock never
  // reports this address, and the runtime's DEL for it may already have run: a reservation
  // now would leak until GC. Checked under the lock, so a DEL that comes later finds it.
  if (caller_gone(caller)) {
    throw Error(Code::TryAgainLater, "the calling process exited during ADD: nothing reserved");
  }
  if (note) {
    for (std::size_t i = 0; i < cfg.range_sets.size(); ++i)
      note->sets.push_back({store->last_reserved_text(i), {}});
  }
  try {
    r.ips = allocate(cfg.range_sets, cfg.requested, *store, attachment_of(req));
  } catch (...) {
    store->commit();
    throw;
  }
  store->commit();
  for (const auto& ip : r.ips) {
    spdlog::info("ADD {}: {} reserved in {}", req.container_id, ip.address.to_string(),
                 cfg.network);
  }
  if (note) r.undo_note = complete_note(std::move(*note), cfg, r);
  return r;
}

void cmd_del(const Request& req) {
  auto data_dir = parse_data_dir(req.conf.raw);
  auto store = DiskStore::open(data_dir, req.conf.name, DiskStore::Mode::ExistingOnly);
  if (!store) return;  // nothing was ever reserved on this network
  ErrorList errors;
  for (const auto& ip : release_attachment(*store, attachment_of(req), errors)) {
    spdlog::info("DEL {}: {} released in {}", req.container_id, ip.to_string(), req.conf.name);
  }
  // Undoing our plugin's failed ADD: the data directory as it was before that ADD.
  if (auto text = req.env(kUndoAddEnv); text && errors.errors().empty()) {
    if (auto note = UndoNote::parse(*text)) {
      errors.attempt([&] { undo_bookkeeping(*store, *note); });
    } else {
      spdlog::warn("host-local: ignoring a malformed {}", kUndoAddEnv);
    }
  }
  store->commit();
  errors.throw_if_any();
}

void cmd_check(const Request& req) {
  auto cfg = parse_config(req.conf.raw, req.conf.version, req.args);
  const auto who = attachment_of(req);
  auto store = DiskStore::open(cfg.data_dir, cfg.network, DiskStore::Mode::ExistingOnly);
  if (!store) {
    throw Error(Code::CheckFailed, "CHECK: no address is reserved for " + who_text(who) + ": " +
                                       cfg.data_dir + "/" + cfg.network + " does not exist");
  }
  auto held = held_by(*store, who);
  store->commit();
  for (std::size_t i = 0; i < cfg.range_sets.size(); ++i) {
    const auto& set = cfg.range_sets[i];
    bool found = std::any_of(held.begin(), held.end(),
                             [&](const Reservation& h) { return set.contains(h.ip); });
    if (!found) {
      throw Error(Code::CheckFailed, "CHECK: no address is reserved for " + who_text(who) +
                                         " in range set " + std::to_string(i) + " (" +
                                         set.to_string() + ")");
    }
  }
  if (!req.conf.prev_result) return;
  for (const auto& ipc : req.conf.prev_result->ips) {
    const auto& ip = ipc.address.address();
    bool ours = std::any_of(cfg.range_sets.begin(), cfg.range_sets.end(),
                            [&](const RangeSet& s) { return s.contains(ip); });
    bool held_ip =
        std::any_of(held.begin(), held.end(), [&](const Reservation& h) { return h.ip == ip; });
    if (ours && !held_ip) {
      throw Error(Code::CheckFailed, "CHECK: prevResult address " + ipc.address.to_string() +
                                         " is not reserved for " + who_text(who));
    }
  }
}

void cmd_gc(const Request& req) {
  auto data_dir = parse_data_dir(req.conf.raw);
  auto store = DiskStore::open(data_dir, req.conf.name, DiskStore::Mode::ExistingOnly);
  if (!store) return;
  ErrorList errors;
  std::size_t released = 0;
  for (const auto& r : store->all()) {
    if (is_valid(r.owner, req.valid_attachments)) continue;
    try {
      if (store->release(r.ip, r.owner)) {
        ++released;
        spdlog::info("GC: released {} of {} in {}", r.ip.to_string(), describe(r.owner),
                     req.conf.name);
      }
    } catch (const Error& e) {
      errors.add(e);
    }
  }
  store->commit();
  spdlog::info("GC {}: {} stale reservations released", req.conf.name, released);
  errors.throw_if_any();
}

void cmd_status(const Request& req) {
  auto cfg = parse_config(req.conf.raw, req.conf.version, CniArgs{});
  const auto dir = cfg.data_dir + "/" + cfg.network;
  if (auto reason = unusable_reason(dir); !reason.empty()) {
    throw Error(Code::NotAvailable, "STATUS: data directory unusable: " + reason);
  }
  std::vector<net::IpAddress> reserved;
  try {
    if (auto store = DiskStore::open(cfg.data_dir, cfg.network, DiskStore::Mode::ExistingOnly)) {
      reserved = store->reserved_addresses();
      store->commit();  // keeps an index rebuilt by this open
    }
  } catch (const Error& e) {
    throw Error(Code::NotAvailable, "STATUS: " + e.msg(), e.details());
  }
  for (std::size_t i = 0; i < cfg.range_sets.size(); ++i) {
    if (cfg.range_sets[i].free_count(reserved) == 0) {
      throw Error(Code::NotAvailable, "STATUS: no IP addresses available in range set " +
                                          std::to_string(i) + ": " + cfg.range_sets[i].to_string());
    }
  }
}

PluginFuncs host_local_plugin() {
  return PluginFuncs{.add = cmd_add,
                     .del = cmd_del,
                     .check = cmd_check,
                     .status = cmd_status,
                     .gc = cmd_gc,
                     .keys = kKeys,
                     .opens_netns = false};
}

}  // namespace cni::ipam

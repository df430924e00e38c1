#include "tuning.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <set>
#include <string>

#include "allowlist.hpp"
#include "backup.hpp"
#include "backup_store.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "link_attrs.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"
#include "sysctls.hpp"

namespace cni::tuning {

namespace {

const Result& require_prev_result(const Request& req) {
  if (!req.conf.prev_result) {
    throw Error(Code::InvalidConfig,
                "prevResult: missing (tuning runs chained after the plugin that creates the "
                "interface)");
  }
  return *req.conf.prev_result;
}

nl::Link container_link(nl::Socket& sock, const Request& req) {
  auto link = nl::find_link(sock, req.ifname);
  if (!link) {
    throw Error(Code::InvalidEnvironment,
                "CNI_IFNAME: no interface " + req.ifname + " in " + req.netns_path);
  }
  return *link;
}

// The backup file of this attachment, written before any link attribute changes; the undo
// puts back the file that was there before (a repeated ADD) or removes it.
void save_backup(const Config& cfg, const Request& req, const Backup& before, sys::Rollback& undo) {
  const std::string name = backup_file_name(req.container_id, req.ifname);
  std::optional<std::string> previous;
  try {
    previous = read_backup_file(cfg.data_dir, name);
  } catch (const Error& e) {
    spdlog::warn("ADD: the existing backup file is replaced: {}", e.msg());
  }
  write_backup_file(cfg.data_dir, name, render_backup(before));
  undo.push([dir = cfg.data_dir, name, previous] {
    if (previous) {
      write_backup_file(dir, name, *previous);
    } else {
      remove_backup_file(dir, name);
    }
  });
}

// The backup file's name (and its temporary's, 10 bytes longer) must fit NAME_MAX: checked
// before anything changes.
void require_backup_name_fits(const Request& req) {
  constexpr std::size_t kNameMax = 255;
  constexpr std::size_t kTempExtra = 10;
  if (backup_file_name(req.container_id, req.ifname).size() + kTempExtra > kNameMax) {
    throw Error(Code::InvalidEnvironment,
                "CNI_CONTAINERID: " + std::to_string(req.container_id.size()) +
                    " bytes, too long for the backup file name " +
                    "(<containerID>_<ifname>.json fits 245 bytes)");
  }
}

void log_undo_failure(const std::string& what) {
  spdlog::warn("ADD rollback: {}", what);
}

}  // namespace

Result cmd_add(const Request& req) {
  const Config cfg = parse_config(req);
  if (auto allow = Allowlist::load(kAllowlistPath)) {
    for (const auto& s : cfg.sysctls)
      allow->require(s.key, s.field);
  }
  Result result = require_prev_result(req);
  if (cfg.sysctls.empty() && !cfg.changes_link()) return result;
  if (cfg.changes_link()) require_backup_name_fits(req);  // Podman's bare {"type":"tuning"}

  auto sock = nl::Socket::in(*req.netns);
  // /proc/sys/net is the namespace of the thread that opens a file: in the container's.
  netns::Enter in_container(*req.netns);
  sys::Rollback undo(log_undo_failure);  // after the Enter: undone inside the container
  apply_sysctls(cfg.sysctls, undo);
  fault::point("tuning.after_sysctls");
  if (cfg.changes_link()) {
    const nl::Link link = container_link(sock, req);
    const Backup before = snapshot(link, cfg, req.conf.name);
    save_backup(cfg, req, before, undo);
    fault::point("tuning.after_backup");
    apply_link_attrs(sock, link, cfg, before, undo);
    fault::point("tuning.after_link_attrs");
    if (cfg.mac) {
      for (auto& i : result.interfaces) {
        if (i.name == req.ifname) i.mac = *cfg.mac;
      }
    }
  }
  undo.commit();
  spdlog::info("ADD {}/{}: {} sysctls{}", req.container_id, req.ifname, cfg.sysctls.size(),
               cfg.changes_link() ? ", link attributes saved and set" : "");
  return result;
}

// Never fails on what it finds: libcni stops a list's DEL at the first plugin that fails, so a
// failure here would keep the plugins before tuning (the one owning the interface, IPAM) from
// ever releasing theirs. Problems are logged; a file whose restore failed stays for a retry
// (or GC).
void cmd_del(const Request& req) {
  std::string dir;
  try {
    dir = parse_data_dir(req.conf.raw);
  } catch (const Error& e) {
    spdlog::warn("DEL: nothing to restore: {}", e.msg());
    return;
  }
  const std::string name = backup_file_name(req.container_id, req.ifname);
  try {
    const auto text = read_backup_file(dir, name);
    if (!text) return;  // nothing was saved (or already restored)
    std::optional<Backup> saved;
    try {
      saved = parse_backup(*text);
    } catch (const Error& e) {
      spdlog::warn("DEL: {}/{} is unusable and is removed: {}", dir, name, e.msg());
    }
    if (saved && req.netns) {
      auto sock = nl::Socket::in(*req.netns);
      if (auto link = nl::find_link(sock, req.ifname)) {
        const ErrorList errors = restore_link_attrs(sock, *link, *saved);
        if (!errors.empty()) {
          for (const auto& e : errors.errors())
            spdlog::warn("DEL {}/{}: {}", req.container_id, req.ifname, e.msg());
          return;  // the file stays: a later DEL may still restore
        }
      }
    }
    // Restored, or nothing left to restore it on (the netns or the link is gone).
    remove_backup_file(dir, name);
  } catch (const Error& e) {
    spdlog::warn("DEL {}/{}: {}", req.container_id, req.ifname, e.msg());
  }
}

void cmd_check(const Request& req) {
  const Config cfg = parse_config(req);
  require_prev_result(req);
  auto sock = nl::Socket::in(*req.netns);
  {
    netns::Enter in_container(*req.netns);
    check_sysctls(cfg.sysctls);
  }
  auto link = nl::find_link(sock, req.ifname);
  if (!link) {
    throw Error(Code::CheckFailed, "interface " + req.ifname + " not found in " + req.netns_path);
  }
  check_link_attrs(*link, cfg);
  if (cfg.changes_link()) {
    const std::string name = backup_file_name(req.container_id, req.ifname);
    std::optional<std::string> text;
    try {
      text = read_backup_file(cfg.data_dir, name);
      if (text) parse_backup(*text);
    } catch (const Error& e) {
      throw Error(Code::CheckFailed, "backup file " + cfg.data_dir + "/" + name + ": " + e.msg());
    }
    if (!text) {
      throw Error(Code::CheckFailed, "backup file " + cfg.data_dir + "/" + name +
                                         " is missing: DEL could not restore " + req.ifname);
    }
  }
}

void cmd_status(const Request& req) {
  parse_data_dir(req.conf.raw);
  try {
    Allowlist::load(kAllowlistPath);
  } catch (const Error& e) {
    throw Error(Code::NotAvailable, e.msg());
  }
}

// Backup files are named by container ID and ifname only, and one data dir serves every
// network by default: a file is removed only when it names this network (ours carry it), so
// that GC of one network never drops another network's backups.
void cmd_gc(const Request& req) {
  const std::string dir = parse_data_dir(req.conf.raw);
  std::set<std::string> keep;
  for (const auto& a : req.valid_attachments)
    keep.insert(backup_file_name(a.container_id, a.ifname));
  ErrorList errors;
  for (const auto& name : list_files(dir)) {
    if (keep.contains(name) || !is_backup_file_name(name)) continue;
    errors.attempt([&] {
      const auto text = read_backup_file(dir, name);
      if (!text) return;
      std::optional<Backup> b;
      try {
        b = parse_backup(*text);
      } catch (const Error&) {
        return;  // not one of ours to judge
      }
      if (b->network != req.conf.name) return;
      remove_backup_file(dir, name);
      spdlog::info("GC: removed {}/{}", dir, name);
    });
  }
  errors.throw_if_any();
}

PluginFuncs plugin() {
  return PluginFuncs{.add = cmd_add,
                     .del = cmd_del,
                     .check = cmd_check,
                     .status = cmd_status,
                     .gc = cmd_gc,
                     .keys = kKeys};
}

}  // namespace cni::tuning

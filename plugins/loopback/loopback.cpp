#include "loopback.hpp"

#include <spdlog/spdlog.h>

#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"

namespace cni::loopback {

namespace {
constexpr const char* kLo = "lo";

nl::Link find_lo(nl::Socket& sock, const Request& req) {
  auto lo = nl::find_link(sock, kLo);
  if (!lo) {
    throw Error(Code::Netlink, "loopback interface \"lo\" not found in " + req.netns_path);
  }
  return std::move(*lo);
}

// The first address of `family` on lo; every address must be a loopback one (a non-loopback
// address means this is not the interface we think it is).
std::optional<net::Prefix> first_loopback_address(const std::vector<nl::Address>& addrs,
                                                  net::Family family) {
  std::optional<net::Prefix> first;
  for (const auto& a : addrs) {
    if (a.prefix.family() != family) continue;
    if (!a.prefix.address().is_loopback()) {
      throw Error(Code::Netlink, "loopback interface has a non-loopback address " +
                                     a.prefix.address().to_string());
    }
    if (!first) first = a.prefix;
  }
  return first;
}
}  // namespace

Result cmd_add(const Request& req) {
  auto sock = nl::Socket::in(*req.netns);
  auto lo = find_lo(sock, req);
  const bool was_up = lo.is_up();
  nl::set_up(sock, lo);
  sys::Rollback undo;  // a failed ADD leaves lo as it found it
  if (!was_up) undo.push([&] { nl::set_down(sock, lo); });
  fault::point("loopback.after_lo_up");
  spdlog::info("ADD {}: lo up in {}", req.container_id, req.netns_path);

  // A chained loopback passes the previous result through unchanged (reference behaviour).
  if (req.conf.prev_result) {
    undo.commit();
    return *req.conf.prev_result;
  }

  auto addrs = nl::list_addresses(sock, lo.index());
  Result r;
  r.interfaces.push_back({.name = kLo, .mac = "00:00:00:00:00:00", .sandbox = req.netns_path});
  for (auto family : {net::Family::V4, net::Family::V6}) {
    if (auto p = first_loopback_address(addrs, family)) {
      r.ips.push_back({.address = *p, .gateway = std::nullopt, .interface = 0});
    }
  }
  undo.commit();
  return r;
}

void cmd_check(const Request& req) {
  auto sock = nl::Socket::in(*req.netns);
  if (!find_lo(sock, req).is_up()) {
    throw Error(Code::CheckFailed, "loopback interface is down in " + req.netns_path);
  }
}

void cmd_del(const Request& req) {
  // The namespace is gone (or was never given): nothing of ours is left to undo.
  if (!req.netns) return;
  auto sock = nl::Socket::in(*req.netns);
  if (auto lo = nl::find_link(sock, kLo)) {
    nl::set_down(sock, *lo);
    spdlog::info("DEL {}: lo down in {}", req.container_id, req.netns_path);
  }
}

PluginFuncs plugin() {
  return PluginFuncs{.add = cmd_add, .del = cmd_del, .check = cmd_check, .status = {}, .gc = {}};
}

}  // namespace cni::loopback

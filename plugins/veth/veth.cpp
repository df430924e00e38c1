#include "veth.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "host_side.hpp"
#include "ipconfig/configure.hpp"
#include "ipconfig/host_changes.hpp"
#include "ipconfig/masquerade.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/veth.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"

namespace cni::veth {

namespace {
constexpr int kHostIndex = 0;       // result.interfaces[0]: the host end
constexpr int kContainerIndex = 1;  // result.interfaces[1]: the container end

Result layout(Result ipam, const nl::Link& host, const nl::Link& peer, const Request& req) {
  ipam.interfaces = {{.name = host.name(), .mac = host.mac()},
                     {.name = peer.name(), .mac = peer.mac(), .sandbox = req.netns_path}};
  for (auto& ip : ipam.ips)
    ip.interface = kContainerIndex;
  if (!req.conf.dns.empty()) ipam.dns = req.conf.dns;
  return ipam;
}

// The host end named in prevResult (the interface without a sandbox).
const Interface* host_interface(const Result& prev) {
  for (const auto& i : prev.interfaces) {
    if (i.sandbox.empty()) return &i;
  }
  return nullptr;
}
}  // namespace

Result cmd_add(const Request& req) {
  auto cfg = parse_config(req);
  nl::Socket host;  // the plugin runs in the host's namespace
  auto cont = nl::Socket::in(*req.netns);
  ipconfig::require_free_ifname(cont, req);
  // IPAM starts first and runs while the veth is made; released again if anything fails.
  DelegateCall ipam_call(req, cfg.ipam_type, Command::Add);
  // Forwarding and the masquerade table may come to be shared with other containers: a failed
  // ADD gives back what it changed once nothing uses it.
  ipconfig::HostChanges shared;
  sys::Rollback undo;  // after `ipam_call` and `shared`, so it is undone while they exist
  undo.push([&] {
    ipam_call.settle();
    delegate_call(req, cfg.ipam_type, Command::Del);
  });
  undo.push([&] { shared.give_back(host); });  // after this ADD's own links and rules are gone

  auto pair = nl::create_veth_with_random_host_name(host, cont,
                                                    {.peer_name = req.ifname,
                                                     .peer_ns = &*req.netns,
                                                     .mtu = cfg.mtu,
                                                     .peer_mac = cfg.mac.value_or("")});
  // By value: `pair` is destroyed before `undo` runs when an exception unwinds.
  undo.push([&host, port = nl::LinkRef(pair.host)] { nl::remove_link(host, port); });
  fault::point("veth.after_veth");
  Result ipam = ipam_call.add_result();
  if (ipam.ips.empty()) throw Error(Code::Ipam, cfg.ipam_type + " returned no IP address");
  shared.enable_forwarding(ipconfig::has_address_of(ipam, net::Family::V4),
                           ipconfig::has_address_of(ipam, net::Family::V6));
  fault::point("veth.after_ipam");
  Result result = layout(std::move(ipam), pair.host, pair.peer, req);

  {
    netns::Enter in_container(*req.netns);
    ipconfig::configure_interface(cont, pair.peer, result, kContainerIndex,
                                  {.point_to_point = true});
  }
  configure_host_side(host, pair.host, result);
  fault::point("veth.after_host_side");
  if (cfg.ip_masq) {
    shared.note_masquerade_table();
    ipconfig::setup_masquerade(req, result);
    undo.push([&] { ipconfig::teardown_masquerade(req); });
    fault::point("veth.after_masq");
  }
  fault::point("veth.before_result");
  undo.commit();
  spdlog::info("ADD {}/{}: {} <-> {}", req.container_id, req.ifname, pair.host.name(),
               req.netns_path);
  return result;
}

void cmd_del(const Request& req) {
  auto cfg = parse_config(req, /*need_ipam=*/false);
  ErrorList errors;
  // IPAM runs while the link goes (the kernel's veth unregister waits for RCU).
  std::optional<DelegateCall> ipam;
  if (!cfg.ipam_type.empty()) {
    errors.attempt([&] { ipam.emplace(req, cfg.ipam_type, Command::Del); });
  }
  // Deleting the container end deletes the host end, its addresses and its host routes.
  if (req.netns) {
    errors.attempt([&] {
      auto cont = nl::Socket::in(*req.netns);
      if (auto link = nl::find_link(cont, req.ifname)) nl::remove_link(cont, *link);
    });
  }
  // Found by (network, container, ifname): works with the netns gone or CNI_NETNS empty.
  errors.attempt([&] { ipconfig::teardown_masquerade(req); });
  if (ipam) errors.attempt([&] { ipam->wait(); });
  errors.throw_if_any();
}

void cmd_check(const Request& req) {
  auto cfg = parse_config(req);
  if (!req.conf.prev_result) throw Error(Code::InvalidConfig, "prevResult: required for CHECK");
  const Result& prev = *req.conf.prev_result;
  delegate_call(req, cfg.ipam_type, Command::Check);

  auto cont = nl::Socket::in(*req.netns);
  auto link = nl::find_link(cont, req.ifname);
  if (!link) {
    throw Error(Code::CheckFailed,
                "container interface " + req.ifname + " not found in " + req.netns_path);
  }
  if (link->kind() != "veth") {
    throw Error(Code::CheckFailed, "container interface " + req.ifname + " is not a veth");
  }
  auto addrs = nl::list_addresses(cont, link->index());
  for (const auto& ip : prev.ips) {
    if (std::none_of(addrs.begin(), addrs.end(),
                     [&](const auto& a) { return a.prefix == ip.address; })) {
      throw Error(Code::CheckFailed,
                  "container interface " + req.ifname + " lacks address " + ip.address.to_string());
    }
  }
  for (const auto& want : ipconfig::routes_for(prev, kContainerIndex, link->index())) {
    auto routes = nl::list_routes(cont, want.dst.family());
    if (std::none_of(routes.begin(), routes.end(), [&](const auto& r) {
          return r.dst == want.dst && r.ifindex == want.ifindex && (!want.gw || r.gw == want.gw);
        })) {
      throw Error(Code::CheckFailed, "container route " + nl::describe_route(want) + " missing");
    }
  }
  nl::Socket host;
  const Interface* hi = host_interface(prev);
  auto host_veth = hi ? nl::find_link(host, hi->name) : std::nullopt;
  if (!host_veth || host_veth->kind() != "veth") {
    throw Error(Code::CheckFailed, "host veth " + (hi ? hi->name : std::string("?")) + " of " +
                                       req.ifname + " not found");
  }
  check_host_side(host, *host_veth, prev);
  if (cfg.ip_masq) ipconfig::check_masquerade(req, prev);
}

void cmd_status(const Request& req) {
  auto cfg = parse_config(req);
  delegate_call(req, cfg.ipam_type, Command::Status);
}

void cmd_gc(const Request& req) {
  auto cfg = parse_config(req, /*need_ipam=*/false);
  ErrorList errors;
  errors.attempt([&] { ipconfig::gc_masquerade(req); });
  if (!cfg.ipam_type.empty()) {
    errors.attempt([&] { delegate_call(req, cfg.ipam_type, Command::Gc); });
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

}  // namespace cni::veth

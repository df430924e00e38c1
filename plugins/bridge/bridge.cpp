#include "bridge.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>

#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "ipconfig/announce.hpp"
#include "ipconfig/configure.hpp"
#include "ipconfig/host_changes.hpp"
#include "ipconfig/masquerade.hpp"
#include "links.hpp"
#include "netlink/link.hpp"
#include "netlink/veth.hpp"
#include "netlink/wait.hpp"
#include "nft/spoofcheck.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"
#include "sys/sysctl.hpp"

namespace cni::bridge {

namespace {

// How long the host port may take to come up: the reference gives up after ~2.5 s.
constexpr auto kPortUpTimeout = std::chrono::seconds(3);
// Ports a Linux bridge can have: BR_MAX_PORTS (1024) port numbers, 0 being reserved.
constexpr int kMaxBridgePorts = 1023;

nft::SpoofCheckOwner spoof_owner(const Request& req) {
  return {.container_id = req.container_id, .ifname = req.ifname};
}

// The container's kernel settings, inside its namespace: neighbours are told about address
// and MAC changes, and with enabledad, DAD is on and enhanced (a looped-back probe is not
// taken for a duplicate).
void container_sysctls(const std::string& ifname, const Config& cfg) {
  ipconfig::enable_announcements(ifname);
  const std::string v6 = "net/ipv6/conf/" + ifname + "/";
  if (cfg.enable_dad && sys::read_sysctl(v6 + "accept_dad")) {
    sys::write_sysctl(v6 + "enhanced_dad", "1");
    sys::write_sysctl(v6 + "accept_dad", "1");
  }
}

// The veth pair, its host end born up on the bridge. A bridge has at most 1023 ports (the
// kernel's BR_MAX_PORTS is 1024, port 0 unused): the kernel then answers EXFULL ("Exchange
// full"), which says nothing to a user, so that refusal is told in the bridge's words.
nl::VethPair create_port(nl::Socket& host, nl::Socket& cont, const nl::Link& br, const Request& req,
                         const Config& cfg) {
  try {
    return nl::create_veth_with_random_host_name(host, cont,
                                                 {.peer_name = req.ifname,
                                                  .peer_ns = &*req.netns,
                                                  .mtu = cfg.mtu,
                                                  .peer_mac = cfg.mac.value_or(""),
                                                  .host_up = true,
                                                  .host_master = br.index()});
  } catch (const Error& e) {
    if (host.kernel_error().error != EXFULL) throw;
    throw Error(Code::Exhausted,
                "bridge " + br.name() + " is full: the kernel allows at most " +
                    std::to_string(kMaxBridgePorts) +
                    " ports on a bridge; detach a container from it or use another bridge",
                e.msg());
  }
}

// ours placed after prevResult's interfaces, IPs and routes (a chained bridge).
Result chain_onto(const Result& prev, Result ours) {
  Result out = prev;
  const int shift = static_cast<int>(prev.interfaces.size());
  out.interfaces.insert(out.interfaces.end(), ours.interfaces.begin(), ours.interfaces.end());
  for (auto ip : ours.ips) {
    if (ip.interface) *ip.interface += shift;
    out.ips.push_back(ip);
  }
  out.routes.insert(out.routes.end(), ours.routes.begin(), ours.routes.end());
  if (!ours.dns.empty()) out.dns = ours.dns;
  return out;
}

}  // namespace

Result cmd_add(const Request& req) {
  const Config cfg = parse_config(req);
  nl::Socket host;  // the plugin runs in the host's namespace
  auto cont = nl::Socket::in(*req.netns);
  ipconfig::require_free_ifname(cont, req);
  if (cfg.macspoofchk) nft::require_spoofcheck_names_fit(spoof_owner(req));
  // IPAM starts first and runs while the links are made; collected once they exist.
  std::optional<DelegateCall> ipam;
  if (!cfg.ipam_type.empty()) ipam.emplace(req, cfg.ipam_type, Command::Add);
  // Host objects other containers may come to share (the bridge, gateway addresses,
  // forwarding, firewall tables): a failed ADD gives back what it created once nothing uses it.
  ipconfig::HostChanges shared;
  sys::Rollback undo;  // after `ipam` and `shared`, so that it is undone while they exist
  if (ipam) {
    undo.push([&] {
      ipam->settle();
      delegate_undo_add(req, cfg.ipam_type, ipam->undo_note());
    });
  }
  undo.push([&] { shared.give_back(host); });  // after this ADD's own links and rules are gone

  // Links: the bridge, then the pair with its host end born on the bridge and up, and the
  // container end born in the container.
  const nl::Link br = setup_bridge(host, cfg, shared);
  fault::point("bridge.after_bridge");
  auto pair = create_port(host, cont, br, req, cfg);
  // By value: `pair` is destroyed before `undo` runs when an exception unwinds.
  undo.push([&host, port = nl::LinkRef(pair.host)] { nl::remove_link(host, port); });
  fault::point("bridge.after_veth");
  configure_port(host, pair.host, cfg);
  fault::point("bridge.after_port");
  spdlog::debug("ADD: veth created");
  if (cfg.macspoofchk) {
    shared.note_spoofcheck_table();
    nft::setup_spoofcheck(spoof_owner(req), pair.host.name(), pair.peer.mac());
    undo.push([&] { nft::teardown_spoofcheck(spoof_owner(req)); });
    fault::point("bridge.after_spoofcheck");
  }

  // Addresses: from IPAM (none for a pure L2 attachment), gateways completed as configured.
  Result result;
  if (ipam) {
    result = ipam->add_result();
    if (result.ips.empty()) throw Error(Code::Ipam, cfg.ipam_type + " returned no IP address");
  }
  const GatewayPlan gateways = plan_gateways(result, cfg);
  fault::point("bridge.after_ipam");
  spdlog::debug("ADD: ipam done");
  result.interfaces = {
      {.name = br.name(), .mac = br.mac()},
      {.name = pair.host.name(), .mac = pair.host.mac()},
      {.name = pair.peer.name(), .mac = pair.peer.mac(), .sandbox = req.netns_path}};
  for (auto& ip : result.ips)
    ip.interface = kContainerIndex;
  if (!req.conf.dns.empty()) result.dns = req.conf.dns;

  {
    netns::Enter in_container(*req.netns);
    container_sysctls(req.ifname, cfg);
    if (cfg.disable_container_interface) {
      // Left down, as asked.
    } else if (result.ips.empty()) {
      nl::set_up(cont, pair.peer);
    } else {
      ipconfig::configure_interface(cont, pair.peer, result, kContainerIndex,
                                    {.dad = cfg.enable_dad});
    }
  }

  spdlog::debug("ADD: container configured");
  // Host side: gateway addresses, masquerading.
  if (!gateways.empty()) {
    if (cfg.vlan != 0) {
      const nl::Link gw = ensure_vlan_gateway(host, br, cfg, shared);
      ensure_gateway_addresses(host, gw, gateways, cfg.force_address, shared);
      result.interfaces.push_back({.name = gw.name(), .mac = gw.mac()});
    } else {
      ensure_gateway_addresses(host, br, gateways, cfg.force_address, shared);
    }
    fault::point("bridge.after_gateway");
  }
  if (cfg.ip_masq && !result.ips.empty()) {
    shared.note_masquerade_table();
    ipconfig::setup_masquerade(req, result);
    undo.push([&] { ipconfig::undo_masquerade(req); });
    fault::point("bridge.after_masq");
  }

  spdlog::debug("ADD: host side done");
  // The port forwards once both ends are up; then the neighbours hear of the new addresses.
  if (!cfg.disable_container_interface) {
    if (!nl::wait_oper_up(host, pair.host.index(), kPortUpTimeout)) {
      throw Error(Code::Netlink, "bridge port " + pair.host.name() + " on " + br.name() +
                                     " did not come up (error state)");
    }
    spdlog::debug("ADD: port up");
    if (!result.ips.empty()) ipconfig::announce_addresses(cont, pair.peer);
  }
  spdlog::debug("ADD: port up, announced");
  // The bridge's MAC as it is now (pinned above, so final).
  if (auto now = nl::find_link(host, br.index())) result.interfaces[kBridgeIndex].mac = now->mac();

  fault::point("bridge.before_result");
  undo.commit();
  spdlog::info("ADD {}/{}: {} on {} <-> {}", req.container_id, req.ifname, pair.host.name(),
               br.name(), req.netns_path);
  if (req.conf.prev_result) return chain_onto(*req.conf.prev_result, std::move(result));
  return result;
}

void cmd_del(const Request& req) {
  const Config cfg = parse_config(req);
  // Three independent parts run at the same time, each mostly waiting on the kernel: the IPAM
  // plugin (a process), the firewall rules (found by (network, container ID, ifname), no
  // link or netns needed; a deletion makes the closing of the nftables socket wait for an RCU
  // grace period) on a thread that stays in the host namespace, and the veth (its unregister
  // waits for an RCU barrier).
  ErrorList errors;
  std::optional<DelegateCall> ipam;
  if (!cfg.ipam_type.empty())
    errors.attempt([&] { ipam.emplace(req, cfg.ipam_type, Command::Del); });
  // The masquerade rules go whatever ipMasq says now: the config may have changed since the
  // ADD, and a reference binary may have written them (nft/iptables_masq.hpp).
  ErrorList firewall_errors;
  std::thread firewall([&]() noexcept {
    try {
      if (cfg.macspoofchk)
        firewall_errors.attempt([&] { nft::teardown_spoofcheck(spoof_owner(req)); });
      firewall_errors.attempt([&] { ipconfig::teardown_masquerade(req); });
    } catch (const std::exception& e) {
      firewall_errors.add(Error(Code::Internal, std::string("firewall teardown: ") + e.what()));
    }
  });
  // Deleting the container end deletes the host end with it (and its bridge port).
  if (req.netns) {
    errors.attempt([&] {
      auto cont = nl::Socket::in(*req.netns);
      if (auto link = nl::find_link(cont, req.ifname)) nl::remove_link(cont, *link);
    });
  }
  if (ipam) errors.attempt([&] { ipam->wait(); });
  firewall.join();
  for (const auto& e : firewall_errors.errors())
    errors.add(e);
  errors.throw_if_any();
}

void cmd_status(const Request& req) {
  const Config cfg = parse_config(req);
  if (!cfg.ipam_type.empty()) delegate_call(req, cfg.ipam_type, Command::Status);
}

void cmd_gc(const Request& req) {
  const Config cfg = parse_config(req);
  ErrorList errors;
  errors.attempt([&] { ipconfig::gc_masquerade(req); });
  errors.attempt([&] {
    std::vector<std::pair<std::string, std::string>> keep;
    for (const auto& a : req.valid_attachments)
      keep.emplace_back(a.container_id, a.ifname);
    nft::gc_spoofchecks(keep);
  });
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

}  // namespace cni::bridge

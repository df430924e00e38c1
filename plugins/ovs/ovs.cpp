#include "ovs.hpp"

#include <spdlog/spdlog.h>

#include <optional>

#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "ipconfig/announce.hpp"
#include "ipconfig/configure.hpp"
#include "netlink/link.hpp"
#include "netlink/offload.hpp"
#include "netlink/veth.hpp"
#include "ovsdb/vswitch.hpp"
#include "ports.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"

namespace cni::ovs {

namespace {

ovsdb::PortSpec port_spec(const Request& req, const Config& cfg, const std::string& name) {
  return {.bridge = cfg.bridge,
          .name = name,
          .vlan = cfg.vlan,
          .trunks = cfg.vlan ? std::nullopt : cfg.trunks,
          .ofport_request = cfg.ofport_request,
          .interface_type = cfg.interface_type,
          .external_ids = attachment_ids(req)};
}

ovsdb::BridgeRow require_bridge(ovsdb::Client& db, const Config& cfg) {
  auto br = ovsdb::find_bridge(db, cfg.bridge);
  if (!br) {
    throw Error(Code::InvalidConfig,
                "bridge: OVS bridge \"" + cfg.bridge + "\" does not exist in " + cfg.socket.text);
  }
  return *br;
}

// Removes ports (found by ownership) and their host veths; refuses ports another owner made.
void remove_ports(ovsdb::Client& db, nl::Socket& host, const std::vector<ovsdb::PortRow>& ports) {
  for (const auto& p : ports) {
    if (!owned(p)) {
      auto it = p.external_ids.find("owner");
      throw Error(Code::Ovsdb, "port " + p.name + " belongs to owner \"" +
                                   (it == p.external_ids.end() ? "" : it->second) +
                                   "\", not to us: not deleted");
    }
  }
  ovsdb::delete_ports(db, ports);
  for (const auto& p : ports) {
    // The host end is gone with the container's netns; with CNI_NETNS empty it may remain.
    if (auto l = nl::find_link(host, p.name); l && l->kind() == "veth") nl::remove_link(host, *l);
  }
}

}  // namespace

Result cmd_add(const Request& req) {
  const Config cfg = parse_config(req);
  // OVSDB first: an unreachable socket_file or a missing bridge fails before anything changes.
  ovsdb::Client db = connect(cfg);
  const ovsdb::BridgeRow bridge = require_bridge(db, cfg);
  nl::Socket host;  // the plugin runs in the host's namespace
  auto cont = nl::Socket::in(*req.netns);
  ipconfig::require_free_ifname(cont, req);
  // IPAM starts first and runs while the port is made; released again if anything fails.
  std::optional<DelegateCall> ipam;
  if (!cfg.ipam_type.empty()) ipam.emplace(req, cfg.ipam_type, Command::Add);
  sys::Rollback undo([](const std::string& e) { spdlog::warn("ADD rollback: {}", e); });
  if (ipam) {
    undo.push([&] {
      ipam->settle();
      delegate_undo_add(req, cfg.ipam_type, ipam->undo_note());
    });
  }

  // The pair: host end up on the host, container end born in the container.
  auto pair = nl::create_veth_with_random_host_name(host, cont,
                                                    {.peer_name = req.ifname,
                                                     .peer_ns = &*req.netns,
                                                     .mtu = cfg.mtu,
                                                     .peer_mac = cfg.mac.value_or(""),
                                                     .host_up = true});
  // By value: `pair` is destroyed before `undo` runs when an exception unwinds.
  undo.push([&host, port = nl::LinkRef(pair.host)] { nl::remove_link(host, port); });
  fault::point("ovs.after_veth");

  // The Port and its Interface, in one transaction guarded by the bridge's existence.
  const ovsdb::AddedPort added = ovsdb::add_port(db, port_spec(req, cfg, pair.host.name()));
  undo.push([&, uuid = added.port_uuid] {
    ovsdb::delete_ports(db, {{.uuid = uuid, .external_ids = attachment_ids(req)}});
  });
  // The port forwards once ovs-vswitchd has applied the change.
  if (added.next_cfg) {
    auto iface = ovsdb::wait_applied(db, *added.next_cfg, pair.host.name(), kApplyTimeout);
    if (!iface) {
      throw Error(Code::Ovsdb, "ovs-vswitchd did not apply port " + pair.host.name() + " on " +
                                   cfg.bridge + " within " + std::to_string(kApplyTimeout.count()) +
                                   " ms (is ovs-vswitchd running?)");
    }
    if (!iface->error.empty()) {
      throw Error(Code::Ovsdb,
                  "port " + pair.host.name() + " on " + cfg.bridge + ": " + iface->error);
    }
  }
  spdlog::debug("ADD: port {} on {}", pair.host.name(), cfg.bridge);
  fault::point("ovs.after_port");

  // Addresses: from IPAM (none for a pure L2 attachment).
  Result result;
  if (ipam) {
    result = ipam->add_result();
    if (result.ips.empty()) throw Error(Code::Ipam, cfg.ipam_type + " returned no IP address");
  }
  result.interfaces = {
      {.name = pair.host.name(), .mac = pair.host.mac()},
      {.name = pair.peer.name(), .mac = pair.peer.mac(), .sandbox = req.netns_path}};
  for (auto& ip : result.ips)
    ip.interface = kContainerIndex;
  if (!req.conf.dns.empty()) result.dns = req.conf.dns;

  {
    netns::Enter in_container(*req.netns);
    // The userspace datapath does not complete partial checksums: the container must send
    // whole ones (README "ovs").
    if (bridge.datapath_type == "netdev") nl::set_tx_checksum(req.ifname, false);
    ipconfig::enable_announcements(req.ifname);
    if (result.ips.empty()) {
      nl::set_up(cont, pair.peer);
    } else {
      ipconfig::configure_interface(cont, pair.peer, result, kContainerIndex);
    }
  }
  if (!result.ips.empty()) ipconfig::announce_addresses(cont, pair.peer);
  fault::point("ovs.before_result");

  undo.commit();
  spdlog::info("ADD {}/{}: {} on OVS {} <-> {}", req.container_id, req.ifname, pair.host.name(),
               cfg.bridge, req.netns_path);
  return result;
}

void cmd_del(const Request& req) {
  const Config cfg = parse_config(req);
  ErrorList errors;
  // IPAM runs while the port goes; it is released whatever happens to OVSDB.
  std::optional<DelegateCall> ipam;
  if (!cfg.ipam_type.empty())
    errors.attempt([&] { ipam.emplace(req, cfg.ipam_type, Command::Del); });
  nl::Socket host;
  // The Port is found by its external_ids, never by an interface that may be gone.
  errors.attempt([&] {
    ovsdb::Client db = connect(cfg);
    remove_ports(db, host, attachment_ports(db, req));
  });
  if (req.netns) {
    errors.attempt([&] {
      auto cont = nl::Socket::in(*req.netns);
      if (auto link = nl::find_link(cont, req.ifname); link && link->kind() == "veth")
        nl::remove_link(cont, *link);
    });
  }
  if (ipam) errors.attempt([&] { ipam->wait(); });
  errors.throw_if_any();
}

void cmd_status(const Request& req) {
  const Config cfg = parse_config(req);
  try {
    ovsdb::Client db = connect(cfg);
    require_bridge(db, cfg);
  } catch (const Error& e) {
    throw Error(Code::NotAvailable, e.msg());
  }
  if (!cfg.ipam_type.empty()) delegate_call(req, cfg.ipam_type, Command::Status);
}

void cmd_gc(const Request& req) {
  const Config cfg = parse_config(req);
  ErrorList errors;
  errors.attempt([&] {
    ovsdb::Client db = connect(cfg);
    nl::Socket host;
    std::vector<ovsdb::PortRow> stale;
    for (auto& p : ovsdb::find_ports(db, {{kNetworkKey, req.conf.name}, {"owner", kOwner}})) {
      const Attachment a{.container_id = p.external_ids[kContainerKey],
                         .ifname = p.external_ids["contIface"]};
      if (std::find(req.valid_attachments.begin(), req.valid_attachments.end(), a) ==
          req.valid_attachments.end())
        stale.push_back(std::move(p));
    }
    if (!stale.empty())
      spdlog::info("GC: {} stale port(s) on network {}", stale.size(), req.conf.name);
    remove_ports(db, host, stale);
  });
  if (!cfg.ipam_type.empty())
    errors.attempt([&] { delegate_call(req, cfg.ipam_type, Command::Gc); });
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

}  // namespace cni::ovs

#include "portmap.hpp"

#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "cni/error.hpp"
#include "localnet.hpp"
#include "nft/conntrack.hpp"
#include "nft/hostports.hpp"
#include "nft/legacy_hostports.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"

namespace cni::portmap {

namespace {

nft::MasqAttachment owner_of(const Request& req) {
  return {.network = req.conf.name, .container_id = req.container_id, .ifname = req.ifname};
}

const Result& require_prev_result(const Request& req) {
  if (!req.conf.prev_result) {
    throw Error(Code::InvalidConfig,
                "prevResult: missing: portmap must be called as a chained plugin (after bridge, "
                "veth or ptp)");
  }
  return *req.conf.prev_result;
}

std::vector<std::uint16_t> udp_host_ports(const Config& cfg) {
  std::vector<std::uint16_t> out;
  for (const auto& m : cfg.mappings)
    if (m.proto == IPPROTO_UDP) out.push_back(m.host_port);
  return out;
}

// Stale UDP flows towards a mapped host port would keep their old translation (or none) for
// as long as packets keep coming: deleted after the rules change. Failures are only logged,
// as the reference does: the rules are in place either way.
void flush_udp(const Config& cfg, const std::vector<net::Family>& families) {
  const auto ports = udp_host_ports(cfg);
  if (ports.empty()) return;
  for (const net::Family f : families) {
    try {
      const auto n = nft::delete_udp_conntrack(f, ports);
      if (n > 0) spdlog::info("deleted {} stale UDP conntrack entries", n);
    } catch (const Error& e) {
      spdlog::warn("stale UDP conntrack entries not deleted: {}", e.msg());
    }
  }
}

bool host_ip_applies(const std::optional<net::IpAddress>& host_ip, net::Family f) {
  return !host_ip || host_ip->family() == f;
}

// The families a DEL's conntrack flush covers: those of the cached result's addresses when the
// runtime sends it (each family's flush walks the whole conntrack table), else both.
std::vector<net::Family> del_families(const Request& req) {
  if (!req.conf.prev_result || req.conf.prev_result->ips.empty())
    return {net::Family::V4, net::Family::V6};
  std::vector<net::Family> out;
  for (const net::Family f : {net::Family::V4, net::Family::V6}) {
    const auto& ips = req.conf.prev_result->ips;
    if (std::any_of(ips.begin(), ips.end(),
                    [&](const auto& ip) { return ip.address.family() == f; }))
      out.push_back(f);
  }
  return out;
}

}  // namespace

ContainerAddresses container_addresses(const Result& prev, const std::string& ifname) {
  ContainerAddresses out;
  for (const auto& ip : prev.ips) {
    if (ip.interface) {
      const auto idx = static_cast<std::size_t>(*ip.interface);
      if (*ip.interface >= 0 && idx < prev.interfaces.size() &&
          (prev.interfaces[idx].name != ifname || prev.interfaces[idx].sandbox.empty())) {
        continue;
      }
    }
    auto& slot = ip.address.family() == net::Family::V4 ? out.v4 : out.v6;
    if (!slot) slot = ip.address;
  }
  return out;
}

std::vector<nft::HostportPlan> make_plans(const Config& cfg, const ContainerAddresses& addrs) {
  std::vector<nft::HostportPlan> plans;
  for (const auto& [addr, conditions] :
       {std::pair{addrs.v4, &cfg.conditions_v4}, std::pair{addrs.v6, &cfg.conditions_v6}}) {
    if (!addr) continue;
    nft::HostportPlan plan{
        .container = *addr, .conditions = *conditions, .snat = cfg.snat, .masq_all = cfg.masq_all};
    for (std::size_t i = 0; i < cfg.mappings.size(); ++i) {
      const Mapping& m = cfg.mappings[i];
      if (!host_ip_applies(m.host_ip, addr->family())) continue;
      nft::PortMapping pm{.index = i,
                          .proto = m.proto,
                          .host_port = m.host_port,
                          .container_port = m.container_port};
      if (m.host_ip && !m.host_ip->is_unspecified()) pm.host_ip = m.host_ip;
      plan.mappings.push_back(pm);
    }
    if (!plan.mappings.empty()) plans.push_back(std::move(plan));
  }
  return plans;
}

Result cmd_add(const Request& req) {
  const Config cfg = parse_config(req);
  const Result& prev = require_prev_result(req);
  if (cfg.mappings.empty()) return prev;
  const auto addrs = container_addresses(prev, req.ifname);
  const auto plans = make_plans(cfg, addrs);
  if (plans.empty()) {
    spdlog::info("ADD {}: no container address for the port mappings on {}", req.container_id,
                 req.ifname);
    return prev;
  }

  sys::Rollback undo([](const std::string& e) { spdlog::warn("rollback: {}", e); });
  const auto owner = owner_of(req);
  if (auto conflict = nft::setup_hostports(owner, plans)) {
    throw Error(Code::InvalidConfig, "runtimeConfig.portMappings[" +
                                         std::to_string(conflict->mapping_index) +
                                         "]: the host port is already published by container \"" +
                                         conflict->container_id + "\": " + conflict->rule);
  }
  undo.push([&] { nft::teardown_hostports(owner); });
  fault::point("portmap.after_rules");
  // 127.0.0.1:<hostPort> reaches the container once the bridge routes "martian" loopback
  // sources (the masquerade rule then gives the packet the bridge's address).
  if (cfg.snat && addrs.v4) enable_route_localnet(addrs.v4->address(), undo);
  fault::point("portmap.after_localnet");
  // Only the families that got rules: each flush walks the whole conntrack table.
  std::vector<net::Family> families;
  families.reserve(plans.size());
  for (const auto& plan : plans)
    families.push_back(plan.family());
  flush_udp(cfg, families);
  undo.commit();
  spdlog::info("ADD {}/{}: {} port mappings", req.container_id, req.ifname, cfg.mappings.size());
  return prev;
}

void cmd_del(const Request& req) {
  const Config cfg = parse_config(req);
  // As the reference: the runtime re-sends the mappings on DEL; none means nothing was
  // published (a DEL of a failed ADD, or a network without the capability).
  if (cfg.mappings.empty()) return;
  ErrorList errors;
  errors.attempt([&] { nft::teardown_hostports(owner_of(req)); });
  // The reference 1.1.1's iptables-nft rules of this container, if it was started by that
  // binary: a host can switch binaries under running containers.
  errors.attempt([&] { nft::teardown_legacy_hostports(req.conf.name, req.container_id); });
  flush_udp(cfg, del_families(req));
  errors.throw_if_any();
}

void cmd_check(const Request& req) {
  const Config cfg = parse_config(req);
  const Result& prev = require_prev_result(req);
  if (cfg.mappings.empty()) return;
  const auto plans = make_plans(cfg, container_addresses(prev, req.ifname));
  if (auto missing = nft::hostports_missing(owner_of(req), plans)) {
    throw Error(Code::CheckFailed, "portmap: " + *missing);
  }
}

void cmd_status(const Request& req) {
  parse_config(req);
  if (auto missing = nft::hostport_features_missing(net::Family::V4)) {
    throw Error(Code::NotAvailable, "portmap: " + *missing);
  }
  struct stat st {};
  if (::stat("/proc/sys/net/ipv6", &st) == 0) {  // only where the kernel has IPv6
    if (auto missing = nft::hostport_features_missing(net::Family::V6)) {
      throw Error(Code::NotAvailable, "portmap: " + *missing);
    }
  }
}

void cmd_gc(const Request& req) {
  parse_config(req);
  std::vector<std::pair<std::string, std::string>> keep;
  std::set<std::string> keep_ids;
  for (const auto& a : req.valid_attachments) {
    keep.emplace_back(a.container_id, a.ifname);
    keep_ids.insert(a.container_id);
  }
  ErrorList errors;
  errors.attempt([&] { nft::gc_hostports(req.conf.name, keep); });
  errors.attempt([&] { nft::gc_legacy_hostports(req.conf.name, keep_ids); });
  errors.throw_if_any();
}

PluginFuncs plugin() {
  return PluginFuncs{.add = cmd_add,
                     .del = cmd_del,
                     .check = cmd_check,
                     .status = cmd_status,
                     .gc = cmd_gc,
                     .keys = kKeys,
                     // Everything happens in the host namespace: CNI_NETNS is never opened.
                     .opens_netns = false};
}

}  // namespace cni::portmap

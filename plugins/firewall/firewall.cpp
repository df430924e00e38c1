#include "firewall.hpp"

#include <spdlog/spdlog.h>

#include "cni/error.hpp"
#include "config.hpp"
#include "rules.hpp"

namespace cni::firewall {

namespace {

Owner owner_of(const Request& req) {
  return {.network = req.conf.name, .container_id = req.container_id, .ifname = req.ifname};
}

std::vector<net::IpAddress> addresses(const Result& prev) {
  std::vector<net::IpAddress> out;
  for (const auto& ip : prev.ips)
    out.push_back(ip.address.address());
  return out;
}

const Result& required_prev_result(const Request& req) {
  if (!req.conf.prev_result) {
    throw Error(Code::InvalidConfig,
                "prevResult: missing: the firewall plugin must be chained after a plugin that "
                "returns the container's addresses (e.g. bridge)");
  }
  return *req.conf.prev_result;
}

// The bridge the isolation rules are about: the reference takes prevResult.interfaces[0].
std::string bridge_of(const Config& cfg, const Result& prev) {
  if (cfg.ingress == IngressPolicy::Open) return {};
  if (prev.interfaces.empty() || prev.interfaces[0].name.empty()) {
    throw Error(
        Code::InvalidConfig,
        "prevResult.interfaces[0]: a bridge name is needed for ingressPolicy " +
            std::string(cfg.ingress == IngressPolicy::Isolated ? "isolated" : "same-bridge") +
            ": chain the firewall plugin after the bridge plugin");
  }
  return prev.interfaces[0].name;
}

Wanted wanted(const Request& req, const Config& cfg, const Result& prev) {
  return {.owner = owner_of(req),
          .ips = addresses(prev),
          .admin_chain = cfg.admin_chain,
          .ingress = cfg.ingress,
          .bridge = bridge_of(cfg, prev)};
}

// firewalld is not spoken to (README "firewall"): refused clearly where the reference would
// use it, rather than writing rules firewalld's own forward chain would override.
void refuse_firewalld(const Config& cfg) {
  if (cfg.backend == Backend::Firewalld) {
    throw Error(Code::Firewall,
                "backend: \"firewalld\" is not supported by this plugin (it writes iptables-nft "
                "rules only); use \"iptables\" or the reference firewall plugin");
  }
  if (cfg.backend == Backend::Auto && firewalld_table_present()) {
    throw Error(Code::Firewall,
                "backend: firewalld manages this host's firewall (table inet firewalld exists) and "
                "this plugin does not support firewalld; set \"backend\": \"iptables\" to write "
                "iptables rules anyway, or use the reference firewall plugin");
  }
}

}  // namespace

Result cmd_add(const Request& req) {
  const Config cfg = parse_config(req);
  const Result& prev = required_prev_result(req);
  const Wanted w = wanted(req, cfg, prev);
  refuse_firewalld(cfg);
  // One transaction for both families: nothing is left behind when it fails.
  if (!w.ips.empty()) add_rules(w);
  for (const auto& family : legacy_filter_tables()) {
    spdlog::warn(
        "ADD {}: the legacy iptables filter table ({}) is loaded on this host: a DROP there is not "
        "overridden by the iptables-nft rules written here (README \"firewall\")",
        req.container_id, family);
  }
  spdlog::info("ADD {}/{}: firewall rules for {} address(es)", req.container_id, req.ifname,
               w.ips.size());
  return prev;
}

void cmd_del(const Request& req) {
  (void)parse_config(req);
  std::vector<net::IpAddress> ips;
  if (req.conf.prev_result) ips = addresses(*req.conf.prev_result);
  del_rules(owner_of(req), ips);
}

void cmd_check(const Request& req) {
  const Config cfg = parse_config(req);
  const Result& prev = required_prev_result(req);
  const auto missing = missing_rules(wanted(req, cfg, prev));
  if (!missing.empty()) {
    std::string msg = "firewall: missing ";
    for (std::size_t i = 0; i < missing.size(); ++i)
      msg += (i ? "; " : "") + missing[i];
    throw Error(Code::CheckFailed, msg);
  }
}

void cmd_status(const Request& req) {
  const Config cfg = parse_config(req);
  std::vector<std::string> missing;
  try {
    missing = missing_features();
  } catch (const Error& e) {
    throw Error(Code::NotAvailable, "firewall: nf_tables is not usable: " + e.msg());
  }
  if (cfg.backend == Backend::Firewalld ||
      (cfg.backend == Backend::Auto && firewalld_table_present())) {
    missing.emplace_back("the firewalld backend (not supported)");
  }
  if (!missing.empty()) {
    std::string msg = "firewall: missing ";
    for (std::size_t i = 0; i < missing.size(); ++i)
      msg += (i ? "; " : "") + missing[i];
    throw Error(Code::NotAvailable, msg);
  }
}

void cmd_gc(const Request& req) {
  (void)parse_config(req);
  std::vector<std::pair<std::string, std::string>> valid;
  for (const auto& a : req.valid_attachments)
    valid.emplace_back(a.container_id, a.ifname);
  gc_rules(req.conf.name, valid);
}

PluginFuncs plugin() {
  // The plugin never enters the container: CNI_NETNS is required for ADD/CHECK but not opened,
  // as the reference never looks at it.
  return PluginFuncs{.add = cmd_add,
                     .del = cmd_del,
                     .check = cmd_check,
                     .status = cmd_status,
                     .gc = cmd_gc,
                     .keys = kKeys,
                     .opens_netns = false};
}

}  // namespace cni::firewall

#include "links.hpp"

#include "cni/error.hpp"
#include "netlink/bridge.hpp"
#include "netlink/veth.hpp"
#include "sys/sysctl.hpp"

namespace cni::bridge {

namespace {
nl::VlanSpec vlans_of(const Config& cfg) {
  nl::VlanSpec v;
  if (cfg.vlan != 0) v.pvid_untagged = cfg.vlan;
  v.tagged_ranges = cfg.vlan_trunk;
  v.keep_default_vlan1 = cfg.preserve_default_vlan;
  return v;
}
}  // namespace

nl::Link setup_bridge(nl::Socket& host, const Config& cfg, ipconfig::HostChanges& changes) {
  bool created = false;
  auto br = nl::ensure_bridge(host,
                              {.name = cfg.bridge,
                               .mtu = cfg.mtu,
                               .vlan_filtering = cfg.has_vlans(),
                               .promisc = cfg.promisc},
                              &created);
  if (created) changes.created_bridge(br.index());
  const std::string accept_ra = "net/ipv6/conf/" + br.name() + "/accept_ra";
  if (auto v = sys::read_sysctl(accept_ra); v && *v != "0") sys::write_sysctl(accept_ra, "0");
  nl::pin_bridge_mac(host, br);
  return br;
}

void configure_port(nl::Socket& host, const nl::Link& port, const Config& cfg) {
  nl::PortOptions opts;
  if (cfg.hairpin) opts.hairpin = true;
  if (cfg.port_isolation) opts.isolated = true;
  nl::set_port_options(host, port, opts);
  if (cfg.has_vlans()) nl::set_port_vlans(host, port, vlans_of(cfg));
}

nl::Link ensure_vlan_gateway(nl::Socket& host, const nl::Link& bridge, const Config& cfg,
                             ipconfig::HostChanges& changes) {
  const std::string name = bridge.name() + "." + std::to_string(cfg.vlan);
  if (name.size() > 15) {
    throw Error(Code::InvalidConfig, "vlan: the gateway interface name \"" + name +
                                         "\" would be longer than 15 bytes (shorten bridge)");
  }
  if (auto existing = nl::find_link(host, name)) return std::move(*existing);
  auto pair = nl::create_veth_with_random_host_name(
      host, host,
      {.peer_name = name, .mtu = cfg.mtu, .host_up = true, .host_master = bridge.index()});
  try {
    Config access = cfg;
    access.vlan_trunk.clear();
    access.hairpin = access.port_isolation = false;
    configure_port(host, pair.host, access);
    nl::set_up(host, pair.peer);
  } catch (...) {
    nl::remove_link(host, pair.host);
    throw;
  }
  changes.created_own_port(bridge.index(), pair.host.index());
  return *nl::find_link(host, name);
}

}  // namespace cni::bridge

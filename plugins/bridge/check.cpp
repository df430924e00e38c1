// CHECK: the attachment ADD made, as prevResult describes it, is still in place.
#include <net/if.h>

#include <algorithm>

#include "bridge.hpp"
#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "ipconfig/configure.hpp"
#include "ipconfig/masquerade.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "nft/spoofcheck.hpp"

namespace cni::bridge {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(Code::CheckFailed, what);
}

const Interface* find_interface(const Result& prev, const std::string& name,
                                const std::string& sandbox) {
  for (const auto& i : prev.interfaces) {
    if (i.name == name && i.sandbox == sandbox) return &i;
  }
  return nullptr;
}

void check_bridge(nl::Socket& host, const Config& cfg, const Result& prev) {
  auto br = nl::find_link(host, cfg.bridge);
  if (!br) fail("bridge " + cfg.bridge + " not found");
  if (br->kind() != "bridge") fail(cfg.bridge + " is not a bridge (kind \"" + br->kind() + "\")");
  if (const auto* i = find_interface(prev, cfg.bridge, "");
      i && !i->mac.empty() && i->mac != br->mac()) {
    fail("bridge " + cfg.bridge + " has MAC " + br->mac() + ", prevResult says " + i->mac);
  }
  const bool promisc = (br->flags() & IFF_PROMISC) != 0;
  if (promisc != cfg.promisc) {
    fail("bridge " + cfg.bridge + " promiscuous mode is " + (promisc ? "on" : "off") +
         ", promiscMode says " + (cfg.promisc ? "on" : "off"));
  }
}

nl::Link check_container(nl::Socket& cont, const Request& req, const Result& prev) {
  auto link = nl::find_link(cont, req.ifname);
  if (!link) fail("container interface " + req.ifname + " not found in " + req.netns_path);
  if (link->kind() != "veth") fail("container interface " + req.ifname + " is not a veth");
  const auto* i = find_interface(prev, req.ifname, req.netns_path);
  if (!i) fail("prevResult has no interface " + req.ifname + " in " + req.netns_path);
  if (!i->mac.empty() && i->mac != link->mac()) {
    fail("container interface " + req.ifname + " has MAC " + link->mac() + ", prevResult says " +
         i->mac);
  }
  auto addrs = nl::list_addresses(cont, link->index());
  for (const auto& ip : prev.ips) {
    if (std::none_of(addrs.begin(), addrs.end(),
                     [&](const auto& a) { return a.prefix == ip.address; })) {
      fail("container interface " + req.ifname + " lacks address " + ip.address.to_string());
    }
  }
  for (const auto& want : ipconfig::routes_for(prev, kContainerIndex, link->index())) {
    auto routes = nl::list_routes(cont, want.dst.family());
    if (std::none_of(routes.begin(), routes.end(), [&](const auto& r) {
          return r.dst == want.dst && r.ifindex == want.ifindex && (!want.gw || r.gw == want.gw);
        })) {
      fail("container route " + nl::describe_route(want) + " missing");
    }
  }
  return *link;
}

// The host end: the veth whose peer is the container interface, enslaved to the bridge. Found
// from the container side (its IFLA_LINK is the host end's ifindex) and confirmed from the
// host side: container interfaces of different namespaces often share one ifindex, so a host
// veth pointing at that ifindex alone may belong to another container.
void check_host_veth(nl::Socket& host, const Config& cfg, const nl::Link& container) {
  auto br = nl::find_link(host, cfg.bridge);
  const auto peer = container.peer_index();
  auto l = peer && container.link_netnsid() ? nl::find_link(host, *peer) : std::nullopt;
  if (!l || l->kind() != "veth" || l->peer_index() != container.index() || !l->link_netnsid()) {
    fail("no host veth on " + cfg.bridge + " is the peer of " + container.name());
  }
  if (l->master() != br->index()) {
    fail("host veth " + l->name() + " of " + container.name() + " is not on " + cfg.bridge);
  }
}

}  // namespace

void cmd_check(const Request& req) {
  const Config cfg = parse_config(req);
  if (!req.conf.prev_result) throw Error(Code::InvalidConfig, "prevResult: required for CHECK");
  const Result& prev = *req.conf.prev_result;
  if (!cfg.ipam_type.empty()) delegate_call(req, cfg.ipam_type, Command::Check);

  nl::Socket host;
  check_bridge(host, cfg, prev);
  auto cont = nl::Socket::in(*req.netns);
  const nl::Link container = check_container(cont, req, prev);
  check_host_veth(host, cfg, container);

  if (cfg.is_gateway && cfg.vlan == 0) {
    Result planned = prev;
    const GatewayPlan plan = plan_gateways(planned, cfg);
    if (!has_gateway_addresses(host, *nl::find_link(host, cfg.bridge), plan)) {
      fail("bridge " + cfg.bridge + " lacks a gateway address of prevResult");
    }
  }
  if (cfg.ip_masq) ipconfig::check_masquerade(req, prev);
  if (cfg.macspoofchk && !nft::spoofcheck_present({req.container_id, req.ifname})) {
    fail("macspoofchk rules of " + req.container_id + "/" + req.ifname + " missing");
  }
}

}  // namespace cni::bridge

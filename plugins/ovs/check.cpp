// CHECK: the attachment ADD made, as prevResult describes it, is still in place: the Port
// with its VLAN settings, its Interface without error, the container interface, IPs, routes.
#include <algorithm>

#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "ipconfig/configure.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "ovs.hpp"
#include "ovsdb/vswitch.hpp"
#include "ports.hpp"

namespace cni::ovs {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(Code::CheckFailed, what);
}

std::string join(const std::vector<long long>& v) {
  std::string out;
  for (auto x : v)
    out += (out.empty() ? "" : ",") + std::to_string(x);
  return "[" + out + "]";
}

void check_port(ovsdb::Client& db, const Request& req, const Config& cfg) {
  if (!ovsdb::find_bridge(db, cfg.bridge)) fail("OVS bridge " + cfg.bridge + " not found");
  auto ports = attachment_ports(db, req);
  if (ports.empty())
    fail("no OVS port of " + req.container_id + "/" + req.ifname + " on " + cfg.bridge);
  const ovsdb::PortRow& p = ports.front();
  const std::string want_mode = cfg.vlan ? "access" : "trunk";
  const std::string mode = p.vlan_mode.empty() ? "trunk" : p.vlan_mode;
  if (mode != want_mode) fail("port " + p.name + " vlan_mode is " + mode + ", want " + want_mode);
  const std::optional<long long> want_tag =
      cfg.vlan && *cfg.vlan != 0 ? std::optional<long long>(*cfg.vlan) : std::nullopt;
  if (p.tag != want_tag) {
    fail("port " + p.name + " tag is " + (p.tag ? std::to_string(*p.tag) : "none") + ", want " +
         (want_tag ? std::to_string(*want_tag) : "none"));
  }
  std::vector<long long> want_trunks;
  if (!cfg.vlan && cfg.trunks) want_trunks.assign(cfg.trunks->begin(), cfg.trunks->end());
  auto trunks = p.trunks;
  std::sort(trunks.begin(), trunks.end());
  if (trunks != want_trunks)
    fail("port " + p.name + " trunks are " + join(trunks) + ", want " + join(want_trunks));
  auto iface = ovsdb::find_interface(db, p.name);
  if (!iface) fail("OVS interface " + p.name + " not found");
  if (!iface->error.empty()) fail("OVS interface " + p.name + ": " + iface->error);
  nl::Socket host;
  auto l = nl::find_link(host, p.name);
  if (!l || l->kind() != "veth") fail("host veth " + p.name + " not found");
}

void check_container(const Request& req, const Result& prev) {
  auto cont = nl::Socket::in(*req.netns);
  auto link = nl::find_link(cont, req.ifname);
  if (!link) fail("container interface " + req.ifname + " not found in " + req.netns_path);
  if (link->kind() != "veth") fail("container interface " + req.ifname + " is not a veth");
  for (const auto& i : prev.interfaces) {
    if (i.name == req.ifname && i.sandbox == req.netns_path && !i.mac.empty() &&
        i.mac != link->mac())
      fail("container interface " + req.ifname + " has MAC " + link->mac() + ", prevResult says " +
           i.mac);
  }
  auto addrs = nl::list_addresses(cont, link->index());
  for (const auto& ip : prev.ips) {
    if (std::none_of(addrs.begin(), addrs.end(),
                     [&](const auto& a) { return a.prefix == ip.address; }))
      fail("container interface " + req.ifname + " lacks address " + ip.address.to_string());
  }
  for (const auto& want : ipconfig::routes_for(prev, kContainerIndex, link->index())) {
    auto routes = nl::list_routes(cont, want.dst.family());
    if (std::none_of(routes.begin(), routes.end(), [&](const auto& r) {
          return r.dst == want.dst && r.ifindex == want.ifindex && (!want.gw || r.gw == want.gw);
        })) {
      fail("container route " + nl::describe_route(want) + " missing");
    }
  }
}

}  // namespace

void cmd_check(const Request& req) {
  const Config cfg = parse_config(req);
  if (!req.conf.prev_result) throw Error(Code::InvalidConfig, "prevResult: required for CHECK");
  if (!cfg.ipam_type.empty()) delegate_call(req, cfg.ipam_type, Command::Check);
  ovsdb::Client db = connect(cfg);
  check_port(db, req, cfg);
  check_container(req, *req.conf.prev_result);
}

}  // namespace cni::ovs

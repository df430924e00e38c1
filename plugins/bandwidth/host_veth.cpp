#include "host_veth.hpp"

#include <algorithm>

#include "netlink/nsid.hpp"

namespace cni::bandwidth {

std::optional<nl::Link> find_host_veth(nl::Socket& host, nl::Socket& cont, const Request& req) {
  auto c = nl::find_link(cont, req.ifname);
  if (!c || c->kind() != "veth" || !c->peer_index() || !c->link_netnsid()) return std::nullopt;
  auto h = nl::find_link(host, *c->peer_index());
  if (!h || h->kind() != "veth" || h->peer_index() != c->index() || !h->link_netnsid()) {
    return std::nullopt;
  }
  // The host veth's peer lives in the namespace the host knows by that id: it must be ours.
  if (nl::netnsid_of(host, *req.netns) != h->link_netnsid()) return std::nullopt;
  return h;
}

nl::Link require_host_veth(nl::Socket& host, nl::Socket& cont, const Request& req,
                           const Result& prev, Code code) {
  auto h = find_host_veth(host, cont, req);
  if (!h) {
    throw Error(code, "container interface " + req.ifname + " in " + req.netns_path +
                          " has no veth peer in the host namespace");
  }
  const auto named = [&](const Interface& i) { return i.sandbox.empty() && i.name == h->name(); };
  if (std::none_of(prev.interfaces.begin(), prev.interfaces.end(), named)) {
    throw Error(code, "prevResult: no interface without sandbox is " + h->name() +
                          ", the host veth peer of " + req.ifname);
  }
  return *h;
}

}  // namespace cni::bandwidth

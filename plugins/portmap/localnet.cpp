#include "localnet.hpp"

#include <linux/rtnetlink.h>
#include <spdlog/spdlog.h>

#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "sys/sysctl.hpp"

namespace cni::portmap {

std::optional<std::string> link_towards(const net::IpAddress& addr) {
  nl::Socket sock;
  std::optional<nl::RouteSpec> best;
  for (const auto& r : nl::list_routes(sock, addr.family(), RT_TABLE_MAIN)) {
    if (r.ifindex <= 0 || !r.dst.contains(addr)) continue;
    if (!best || r.dst.length() > best->dst.length()) best = r;
  }
  if (!best) return std::nullopt;
  auto link = nl::find_link(sock, best->ifindex);
  if (!link) return std::nullopt;
  return link->name();
}

void enable_route_localnet(const net::IpAddress& addr, sys::Rollback& undo) {
  const auto link = link_towards(addr);
  if (!link) {
    spdlog::warn("no route towards {}: route_localnet not set, 127.0.0.1 will not reach it",
                 addr.to_string());
    return;
  }
  const std::string key = "net/ipv4/conf/" + *link + "/route_localnet";
  const auto old = sys::read_sysctl(key);
  if (!old || *old == "1") return;
  sys::write_sysctl(key, "1");
  undo.push([key, value = *old] { sys::write_sysctl(key, value); });
}

}  // namespace cni::portmap

#include "ipconfig/host_changes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "nft/masquerade.hpp"
#include "nft/spoofcheck.hpp"
#include "sys/sysctl.hpp"

namespace cni::ipconfig {

namespace {
// The links enslaved to `master`, except `own`.
bool has_other_ports(const std::vector<nl::Link>& links, int master, const std::vector<int>& own) {
  return std::any_of(links.begin(), links.end(), [&](const nl::Link& l) {
    return l.master() == master && std::find(own.begin(), own.end(), l.index()) == own.end();
  });
}
}  // namespace

HostChanges::HostChanges() : lock_(netns::NamespaceLock::shared()) {}

void HostChanges::created_bridge(int ifindex) {
  steps_.emplace_back([this, ifindex](nl::Socket& host) {
    const auto links = nl::list_links(host);
    if (has_other_ports(links, ifindex, own_ports_)) return;
    nl::remove_link(host, ifindex);
  });
}

void HostChanges::created_own_port(int bridge_ifindex, int ifindex) {
  own_ports_.push_back(ifindex);
  steps_.emplace_back([this, bridge_ifindex, ifindex](nl::Socket& host) {
    const auto links = nl::list_links(host);
    if (has_other_ports(links, bridge_ifindex, own_ports_)) return;
    nl::remove_link(host, ifindex);
  });
}

void HostChanges::added_address(int ifindex, const net::Prefix& prefix) {
  steps_.emplace_back([this, ifindex, prefix](nl::Socket& host) {
    const auto links = nl::list_links(host);
    auto link = std::find_if(links.begin(), links.end(),
                             [&](const nl::Link& l) { return l.index() == ifindex; });
    if (link == links.end()) return;  // gone with its bridge
    // The bridge itself, or the bridge a VLAN gateway's pair hangs on.
    const int bridge = link->kind() == "bridge" ? ifindex : link->master().value_or(ifindex);
    if (has_other_ports(links, bridge, own_ports_)) return;
    (void)nl::delete_address(host, ifindex, prefix);
  });
}

void HostChanges::write_sysctl(const std::string& key, const std::string& value) {
  auto previous = sys::exchange_sysctl(key, value);
  if (!previous) return;
  steps_.emplace_back([key, before = *previous](nl::Socket& host) {
    const auto links = nl::list_links(host);
    if (std::any_of(links.begin(), links.end(),
                    [](const nl::Link& l) { return l.kind() == "veth"; })) {
      return;  // some other attachment may route through this host
    }
    if (sys::read_sysctl(key)) sys::write_sysctl(key, before);  // absent: its link is gone
  });
}

void HostChanges::enable_forwarding(bool v4, bool v6) {
  if (v4) write_sysctl("net/ipv4/ip_forward", "1");
  if (v6) write_sysctl("net/ipv6/conf/all/forwarding", "1");
}

void HostChanges::note_masquerade_table() {
  if (nft::masquerade_table_exists()) return;
  steps_.emplace_back([](nl::Socket&) { nft::remove_masquerade_table_if_unused(); });
}

void HostChanges::note_spoofcheck_table() {
  if (nft::spoofcheck_table_exists()) return;
  steps_.emplace_back([](nl::Socket&) { nft::remove_spoofcheck_table_if_unused(); });
}

void HostChanges::give_back(nl::Socket& host) noexcept {
  if (steps_.empty()) return;
  if (!lock_.make_exclusive()) {
    spdlog::warn(
        "failed ADD: could not lock the host namespace; shared host state (bridge, "
        "gateway address, forwarding, firewall tables) is left as it is");
    return;
  }
  while (!steps_.empty()) {
    try {
      steps_.back()(host);
    } catch (const std::exception& e) {
      spdlog::warn("failed ADD: giving back a host change failed: {}", e.what());
    }
    steps_.pop_back();
  }
  lock_.release();
}

}  // namespace cni::ipconfig

#pragma once

// The firewall plugin's rules in the kernel (layout.hpp): written, removed, checked and
// collected, each call one nftables transaction covering both families, applied only if the
// ruleset did not change since it was read (else read and built again). All act in the calling
// thread's network namespace: the host's, where the plugin runs.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "layout.hpp"
#include "net/ip.hpp"

namespace cni::firewall {

/// What one attachment needs.
struct Wanted {
  Owner owner;
  std::vector<net::IpAddress> ips;  // the container's addresses (prevResult.ips)
  std::string admin_chain;
  IngressPolicy ingress = IngressPolicy::Open;
  std::string bridge;  // prevResult.interfaces[0].name; used with same-bridge / isolated
};

/// ADD: for each family of `w.ips`: the filter table, FORWARD, CNI-FORWARD and the admin chain
/// if missing, the two jumps at the top of their chains if missing, the attachment's per-IP
/// rules (replacing rules of the same attachment for other addresses), and the isolation
/// chains and rules for `w.bridge` when asked. One transaction: all or nothing.
void add_rules(const Wanted& w);

/// DEL: removes the attachment's per-IP rules (found by their comment) in both families, and
/// the reference's uncommented per-IP rules of `ips`. Chains, jumps and isolation rules stay
/// (other containers use them), as the reference leaves them. Nothing to remove is success.
void del_rules(const Owner& owner, const std::vector<net::IpAddress>& ips);

/// CHECK: what add_rules made for `w` that is missing now, one line each; empty when all is
/// there. A per-IP rule is also found in the reference's uncommented form.
std::vector<std::string> missing_rules(const Wanted& w);

/// GC: removes the per-IP rules of `network` whose attachment is not in `valid`
/// ((container ID, ifname) pairs). Uncommented rules (the reference's) are left alone.
void gc_rules(const std::string& network,
              const std::vector<std::pair<std::string, std::string>>& valid);

/// STATUS: what nf_tables lacks for these rules (the nft_compat matches conntrack rev 3 and
/// comment, per family), one line each; empty when nothing.
std::vector<std::string> missing_features();

/// The families ("IPv4", "IPv6") whose legacy x_tables `filter` table is loaded in this
/// namespace (/proc/self/net/ip{,6}_tables_names lists it): iptables-legacy is in use there,
/// and its FORWARD chain's verdicts are not affected by the nf_tables rules written here.
std::vector<std::string> legacy_filter_tables();

/// Whether firewalld manages this namespace: its nftables table `inet firewalld` exists.
bool firewalld_table_present();

}  // namespace cni::firewall

#pragma once

// The objects of the port-mapping layout (hostports.hpp) as libnftnl objects, each with its
// `nft` text for error messages, in the reference portmap's nftables layout
// (containernetworking/plugins plugins/meta/portmap/portmap_nftables.go, v1.9):
//
//   table ip cni_hostport {                       # and table ip6 cni_hostport
//     comment "CNI portmap plugin"
//     chain hostports {
//       tcp dport 8080 dnat to 10.88.0.5:80 comment "<container ID>"
//       ip daddr 192.168.1.10 udp dport 5353 dnat to 10.88.0.5:53 comment "<container ID>"
//     }
//     chain hostip_hostports { }                  # the reference's <= v1.8 hostIP rules
//     chain hostports_all { jump hostip_hostports; jump hostports }
//     chain prerouting { type nat hook prerouting priority dstnat; fib daddr type local jump
//     hostports_all } chain output { type nat hook output priority -100; fib daddr type local jump
//     hostports_all } chain masquerading {
//       type nat hook postrouting priority srcnat;
//       ip saddr 10.88.0.0/16 ip daddr 10.88.0.5 ct status dnat masquerade comment "<container ID>"
//       ip saddr 127.0.0.1 ip daddr 10.88.0.5 masquerade comment "<container ID>"
//     }
//   }
//
// Pure: nothing here talks to the kernel.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "nft/handle.hpp"
#include "nft/masq_comment.hpp"
#include "nft/masq_layout.hpp"
#include "nft/match.hpp"
#include "nft/rules.hpp"

namespace cni::nft {

inline constexpr char kHostportTable[] = "cni_hostport";  // families ip and ip6
inline constexpr char kHostportsChain[] = "hostports";
inline constexpr char kHostipHostportsChain[] = "hostip_hostports";
inline constexpr char kHostportsAllChain[] = "hostports_all";
inline constexpr char kHostportPrerouting[] = "prerouting";
inline constexpr char kHostportOutput[] = "output";
inline constexpr char kHostportMasqChain[] = "masquerading";
/// The hidden tag (rule_tag.hpp) of the rules of prerouting, output and hostports_all when we
/// wrote them: their presence says that no other writer has rewritten those chains since, so
/// the port index (hostport_index.hpp) knows every rule.
inline constexpr char kIndexedLayoutTag[] = "cni-plugins-cpp hostport index 1";

/// One published port of one family.
struct PortMapping {
  std::size_t index = 0;   // position in runtimeConfig.portMappings, for messages
  std::uint8_t proto = 0;  // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::optional<net::IpAddress> host_ip;  // nullopt: any local address
};

/// One match a configured condition (conditionsV4/V6) stands for, put before the port match of
/// each of the container's DNAT rules.
struct Condition {
  enum class Kind { Saddr, Daddr, Iifname, Oifname };
  Kind kind = Kind::Saddr;
  CmpOp op = CmpOp::Eq;
  net::Prefix prefix;  // Saddr, Daddr
  std::string ifname;  // Iifname, Oifname
  bool operator==(const Condition&) const = default;
};

/// What one attachment publishes in one family.
struct HostportPlan {
  net::Prefix container;  // the container's address with its subnet's prefix length
  std::vector<PortMapping> mappings;
  std::vector<Condition> conditions;
  bool snat = true;
  bool masq_all = false;
  net::Family family() const { return container.family(); }
};

/// "ip" or "ip6".
const char* family_keyword(net::Family f);
/// NFPROTO_IPV4 or NFPROTO_IPV6.
std::uint16_t nfproto(net::Family f);
/// "tcp", "udp", "sctp".
std::string proto_name(std::uint8_t proto);

/// `add table <family> cni_hostport` with the reference's comment.
Described<TablePtr> hostport_table(net::Family f);
/// `add chain`: a regular chain (hostports, hostip_hostports, hostports_all), or one of the
/// base chains prerouting, output (nat, priority -100) and masquerading (nat, priority 100).
Described<ChainPtr> hostport_chain(net::Family f, const char* name);
/// `flush chain`.
Described<RulePtr> flush_hostport_chain(net::Family f, const char* name);
/// The rules of the chains the layout fixes: hostports_all (two jumps), prerouting and output
/// (`fib daddr type local jump hostports_all`), each tagged kIndexedLayoutTag.
std::vector<Described<RulePtr>> fixed_rules(net::Family f, const char* chain);
/// The attachment's DNAT rule for `m`.
Described<RulePtr> dnat_rule(const HostportPlan& plan, const PortMapping& m,
                             const MasqAttachment& owner);
/// The attachment's masquerade rules (none without snat).
std::vector<Described<RulePtr>> hostport_masq_rules(const HostportPlan& plan,
                                                    const MasqAttachment& owner);
/// `delete rule <family> cni_hostport <chain> handle <handle>`.
Described<RulePtr> delete_hostport_rule(net::Family f, const std::string& chain,
                                        std::uint64_t handle);

/// Whether the listed rules have the same expressions and tags as the built ones, in order.
bool same_rules(const std::vector<ListedRule>& listed,
                const std::vector<Described<RulePtr>>& built);

}  // namespace cni::nft

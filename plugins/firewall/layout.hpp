#pragma once

// The reference firewall plugin's iptables layout, written into the tables iptables-nft uses
// (`ip filter`, `ip6 filter`) in the encoding iptables-nft gives them (nft/xt.hpp), so that
// `iptables -S` shows them as if iptables had written them and the reference's rules and ours
// are found by either:
//
//   -A FORWARD -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j
//   CNI-ISOLATION-STAGE-1 -A FORWARD -m comment --comment "CNI firewall plugin rules" -j
//   CNI-FORWARD -A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j
//   CNI-ADMIN -A CNI-FORWARD -d 10.89.7.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment
//   --comment "<owner>" -j ACCEPT -A CNI-FORWARD -s 10.89.7.2/32 -m comment --comment "<owner>" -j
//   ACCEPT -A CNI-ISOLATION-STAGE-1 -i br0 -o br0 -m comment --comment "..." -j DROP     (isolated)
//   -A CNI-ISOLATION-STAGE-1 -i br0 ! -o br0 -m comment --comment "..." -j CNI-ISOLATION-STAGE-2
//   -A CNI-ISOLATION-STAGE-1 -m comment --comment "..." -j RETURN
//   -A CNI-ISOLATION-STAGE-2 -o br0 -m comment --comment "..." -j DROP
//   -A CNI-ISOLATION-STAGE-2 -m comment --comment "..." -j RETURN
//
// <owner> is `name: "<network>" id: "<container id>" if: "<ifname>"` (the reference's per-IP
// rules carry no comment; ours do, so that DEL without prevResult and GC find them). Pure:
// builds libnftnl objects only.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip.hpp"
#include "nft/handle.hpp"
#include "nft/masq_comment.hpp"

namespace cni::firewall {

inline constexpr char kTable[] = "filter";
inline constexpr char kForwardChain[] = "FORWARD";
inline constexpr char kPrivChain[] = "CNI-FORWARD";
inline constexpr char kStage1Chain[] = "CNI-ISOLATION-STAGE-1";
inline constexpr char kStage2Chain[] = "CNI-ISOLATION-STAGE-2";

using Owner = nft::MasqAttachment;  // network, container ID, ifname

/// NFPROTO_IPV4 or NFPROTO_IPV6: the family of the `filter` table iptables or ip6tables uses.
std::uint16_t nfproto(net::Family f);
/// "ip" or "ip6", for messages.
const char* family_name(net::Family f);

/// The comment of the attachment's per-IP rules: the readable form when it fits in a
/// `-m comment` (255 bytes), else "cni-firewall <instance hash>" (nft/masq_comment.hpp).
std::string owner_comment(const Owner& o);

/// Whether a per-IP rule comment belongs to an attachment of `network`; with `valid` given,
/// whether that attachment is one of `valid` ((container ID, ifname) pairs).
bool comment_of_network(std::string_view comment, const std::string& network);
bool comment_is_one_of(std::string_view comment, const std::string& network,
                       const std::vector<std::pair<std::string, std::string>>& valid);

/// One rule of the layout: the libnftnl object (family, table, chain set), its chain, how
/// iptables -S prints it, its nft::rule_signature and comment for finding it in a listing.
struct Rule {
  nft::RulePtr rule;
  std::string chain;
  std::string text;
  std::string signature;
  std::optional<std::string> comment;  // its `-m comment` text, if any
};

/// `add table <family> filter`.
nft::TablePtr filter_table(net::Family f);
/// The FORWARD base chain as iptables-nft makes it (type filter hook forward priority 0),
/// without a policy: creating it gets the kernel's default (accept), and an existing chain
/// keeps the policy it has (a DROP set with `iptables -P` stays).
nft::ChainPtr forward_chain(net::Family f);
/// A user chain of the filter table (iptables -N).
nft::ChainPtr user_chain(net::Family f, const std::string& name);

/// FORWARD: -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
Rule forward_jump(net::Family f);
/// CNI-FORWARD: -m comment --comment "CNI firewall plugin admin overrides" -j <admin>
Rule admin_jump(net::Family f, const std::string& admin_chain);
/// CNI-FORWARD, for one container address: the `-d <ip> ... RELATED,ESTABLISHED -j ACCEPT` and
/// `-s <ip> -j ACCEPT` rules, with the comment when given (ours) or without (the reference's).
std::vector<Rule> address_rules(const net::IpAddress& ip,
                                const std::optional<std::string>& comment);

/// The isolation rules for bridge `bridge` (ingressPolicy same-bridge / isolated).
Rule stage1_jump(net::Family f);                                 // FORWARD -> STAGE-1
Rule stage1_bridge(net::Family f, const std::string& bridge);    // -i br ! -o br -j STAGE-2
Rule stage1_isolated(net::Family f, const std::string& bridge);  // -i br -o br -j DROP
Rule stage_return(net::Family f, const char* chain);             // -j RETURN
Rule stage2_bridge(net::Family f, const std::string& bridge);    // -o br -j DROP

/// `delete rule <family> filter <chain> handle <handle>`.
Rule delete_by_handle(net::Family f, const std::string& chain, std::uint64_t handle);

}  // namespace cni::firewall

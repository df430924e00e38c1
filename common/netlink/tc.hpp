#pragma once

// Traffic control through rtnetlink: the token bucket filter (TBF) qdisc, the ingress qdisc,
// and a u32 match-all filter redirecting a link's ingress to another link (mirred). What the
// bandwidth plugin needs, written attribute by attribute on libnl messages: libnl-route 3.7's
// rtnl_qdisc_tbf_set_rate takes an int rate (no TCA_TBF_RATE64) and always adds a rate table
// and cell_log, so its qdiscs would not read back like the reference's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace cni::nl {

/// tc handles: major:minor in one u32 ("1:" is 0x00010000).
inline constexpr std::uint32_t kRootParent = 0xFFFFFFFFU;     // TC_H_ROOT
inline constexpr std::uint32_t kIngressParent = 0xFFFFFFF1U;  // TC_H_INGRESS
inline constexpr std::uint32_t kIngressHandle = 0xFFFF0000U;  // "ffff:"

/// TBF parameters as the kernel takes and reports them (struct tc_tbf_qopt plus rate64).
struct TbfParams {
  std::uint64_t rate = 0;    // bytes per second
  std::uint32_t buffer = 0;  // the bucket, in psched ticks (the time to send it at `rate`)
  std::uint32_t limit = 0;   // bytes that may wait in the queue
  bool operator==(const TbfParams&) const = default;
};

/// One qdisc as a dump reports it.
struct Qdisc {
  int ifindex = 0;
  std::uint32_t handle = 0;
  std::uint32_t parent = 0;
  std::string kind;              // "tbf", "ingress", "noqueue", ...
  std::optional<TbfParams> tbf;  // for kind "tbf"
};

/// One filter action that redirects or mirrors packets (tc's mirred).
struct Mirred {
  int eaction = 0;  // TCA_EGRESS_REDIR, TCA_EGRESS_MIRROR, ...
  int action = 0;   // what happens to the packet afterwards (TC_ACT_STOLEN, ...)
  int ifindex = 0;  // the target link
};

/// One filter as a dump reports it (one entry per filter node; u32's hash tables included).
struct Filter {
  std::uint32_t handle = 0;
  std::uint16_t priority = 0;
  std::uint16_t protocol = 0;  // ETH_P_* in host order
  std::string kind;            // "u32", "matchall", ...
  std::uint32_t classid = 0;   // u32's flowid, 0 when none
  std::vector<Mirred> mirred;  // its mirred actions, in order
};

/// Adds a TBF qdisc `handle` as the root qdisc of `link` (NLM_F_EXCL: fails with "File exists"
/// when the link already has a root qdisc other than the default). Acts in sock's namespace.
void add_tbf_root(Socket& sock, const LinkRef& link, std::uint32_t handle, const TbfParams& p);

/// Adds the ingress qdisc (ffff:) to `link`; fails when it already has one. Acts in sock's
/// namespace.
void add_ingress_qdisc(Socket& sock, const LinkRef& link);

/// Adds to the ingress qdisc of `link` a u32 filter (priority 1, every protocol, flowid 1:1)
/// matching every packet, whose one action redirects it to the egress of `target` (mirred
/// egress redirect, then stolen). Acts in sock's namespace.
void add_ingress_redirect(Socket& sock, const LinkRef& link, const LinkRef& target);

/// Deletes the qdisc `handle` at `parent` of `link` (its filters and classes go with it);
/// false when the link or that qdisc is gone. Acts in sock's namespace.
bool delete_qdisc(Socket& sock, const LinkRef& link, std::uint32_t parent, std::uint32_t handle);

/// The qdiscs of link `ifindex` (a dump filtered by ifindex; the kernel's default qdiscs
/// included). Acts in sock's namespace.
std::vector<Qdisc> list_qdiscs(Socket& sock, int ifindex);

/// The filters attached to qdisc `parent` of link `ifindex`; empty when there is none or no
/// such qdisc. Acts in sock's namespace.
std::vector<Filter> list_filters(Socket& sock, int ifindex, std::uint32_t parent);

/// "1:", "ffff:", "ffff:fff1": a handle as tc prints it.
std::string format_handle(std::uint32_t handle);

}  // namespace cni::nl

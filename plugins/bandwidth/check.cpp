// CHECK: the qdiscs, the ifb and the redirect ADD made are in place with the config's numbers.
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>

#include <algorithm>

#include "bandwidth.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "host_veth.hpp"
#include "netlink/link.hpp"
#include "netlink/tc.hpp"
#include "shaping.hpp"

namespace cni::bandwidth {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error(Code::CheckFailed, what);
}

std::string describe(const nl::TbfParams& p) {
  return "rate " + std::to_string(p.rate) + " B/s, buffer " + std::to_string(p.buffer) +
         " ticks, limit " + std::to_string(p.limit) + " B";
}

void check_tbf(nl::Socket& host, const nl::Link& link, const nl::TbfParams& want,
               const std::string& what) {
  const auto qdiscs = nl::list_qdiscs(host, link.index());
  const auto root = std::find_if(qdiscs.begin(), qdiscs.end(),
                                 [](const auto& q) { return q.parent == nl::kRootParent; });
  if (root == qdiscs.end() || root->kind != "tbf" || root->handle != kTbfHandle) {
    fail(what + ": " + link.name() + " has no root tbf qdisc 1:");
  }
  if (!root->tbf || *root->tbf != want) {
    fail(what + ": tbf qdisc of " + link.name() + " has " +
         (root->tbf ? describe(*root->tbf) : std::string("no parameters")) + ", config says " +
         describe(want));
  }
}

void check_redirect(nl::Socket& host, const nl::Link& veth, const nl::Link& ifb) {
  const auto qdiscs = nl::list_qdiscs(host, veth.index());
  if (std::none_of(qdiscs.begin(), qdiscs.end(), [](const auto& q) {
        return q.handle == nl::kIngressHandle && q.kind == "ingress";
      })) {
    fail("egress: " + veth.name() + " has no ingress qdisc ffff:");
  }
  const auto filters = nl::list_filters(host, veth.index(), nl::kIngressHandle);
  const bool redirected = std::any_of(filters.begin(), filters.end(), [&](const auto& f) {
    return !f.mirred.empty() && f.mirred.front().eaction == TCA_EGRESS_REDIR &&
           f.mirred.front().ifindex == ifb.index();
  });
  if (!redirected) fail("egress: no filter on " + veth.name() + " redirects to " + ifb.name());
}

}  // namespace

void cmd_check(const Request& req) {
  const Config cfg = parse_config(req);
  if (!req.conf.prev_result) {
    throw Error(Code::InvalidConfig,
                "prevResult: required: bandwidth must be called as a chained plugin");
  }
  const Result& prev = *req.conf.prev_result;
  if (!cfg.shapes()) return;
  const double ticks = kernel_ticks_per_usec();
  nl::Socket host;
  auto cont = nl::Socket::in(*req.netns);
  const nl::Link veth = require_host_veth(host, cont, req, prev, Code::CheckFailed);
  if (cfg.ingress) {
    check_tbf(host, veth, tbf_params(*cfg.ingress, ticks, cfg.where + "ingressBurst"), "ingress");
  }
  if (cfg.egress) {
    const std::string name = ifb_name(req.conf.name, req.container_id);
    auto ifb = nl::find_link(host, name);
    if (!ifb || ifb->kind() != "ifb") fail("egress: ifb " + name + " not found");
    if (std::none_of(prev.interfaces.begin(), prev.interfaces.end(),
                     [&](const auto& i) { return i.name == name && i.sandbox.empty(); })) {
      fail("egress: prevResult has no interface " + name);
    }
    check_tbf(host, *ifb, tbf_params(*cfg.egress, ticks, cfg.where + "egressBurst"), "egress");
    check_redirect(host, veth, *ifb);
  }
}

}  // namespace cni::bandwidth

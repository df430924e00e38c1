#include "bandwidth.hpp"

#include <sched.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "cni/error.hpp"
#include "config.hpp"
#include "host_veth.hpp"
#include "netlink/ifb.hpp"
#include "netlink/link.hpp"
#include "netlink/tc.hpp"
#include "shaping.hpp"
#include "sys/fault.hpp"
#include "sys/rollback.hpp"

namespace cni::bandwidth {

namespace {

struct Plan {
  std::optional<nl::TbfParams> ingress;
  std::optional<nl::TbfParams> egress;
};

// The qdiscs of the config, computed (a bucket of 0 ticks refused) before anything is touched.
Plan plan(const Config& cfg) {
  const double ticks = kernel_ticks_per_usec();
  Plan p;
  if (cfg.ingress) {
    p.ingress = tbf_params(*cfg.ingress, ticks, cfg.where + "ingressBurst");
  }
  if (cfg.egress) {
    p.egress = tbf_params(*cfg.egress, ticks, cfg.where + "egressBurst");
  }
  return p;
}

bool is_our_root(const nl::Qdisc& q) {
  return q.parent == nl::kRootParent && q.handle == kTbfHandle && q.kind == "tbf";
}

bool is_our_ingress(const nl::Qdisc& q) {
  return q.handle == nl::kIngressHandle && q.kind == "ingress";
}

// Removes the TBF root and the ingress qdisc (with its redirect filter) from the host veth.
void remove_veth_qdiscs(nl::Socket& host, const nl::Link& veth) {
  for (const auto& q : nl::list_qdiscs(host, veth.index())) {
    if (is_our_root(q)) nl::delete_qdisc(host, veth, nl::kRootParent, kTbfHandle);
    if (is_our_ingress(q)) nl::delete_qdisc(host, veth, nl::kIngressParent, nl::kIngressHandle);
  }
}

// Without the container's namespace: the host-side interface of prevResult whose ingress is
// redirected to the ifb `ifb_index`, which proves it is the veth we shaped.
std::optional<nl::Link> veth_redirecting_to(nl::Socket& host, const Result& prev, int ifb_index) {
  for (const auto& i : prev.interfaces) {
    if (!i.sandbox.empty()) continue;
    auto l = nl::find_link(host, i.name);
    if (!l || l->kind() != "veth") continue;
    for (const auto& f : nl::list_filters(host, l->index(), nl::kIngressHandle)) {
      for (const auto& m : f.mirred) {
        if (m.ifindex == ifb_index) return l;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result cmd_add(const Request& req) {
  const Config cfg = parse_config(req);
  if (!cfg.shapes()) return req.conf.prev_result.value_or(Result{});
  if (!req.conf.prev_result) {
    throw Error(Code::InvalidConfig,
                "prevResult: required: bandwidth must be called as a chained plugin");
  }
  const Plan p = plan(cfg);
  Result result = *req.conf.prev_result;
  const Owner owner{req.conf.name, req.container_id, req.ifname};
  const auto alias = owner_alias(owner);

  nl::Socket host;  // the plugin runs in the host's namespace
  auto cont = nl::Socket::in(*req.netns);
  const nl::Link veth = require_host_veth(host, cont, req, result, Code::InvalidConfig);
  sys::Rollback undo([](const std::string& e) { spdlog::warn("ADD rollback: {}", e); });

  // Ingress (towards the container): the host veth's root qdisc.
  if (p.ingress) {
    nl::add_tbf_root(host, veth, kTbfHandle, *p.ingress);
    undo.push([&] { nl::delete_qdisc(host, veth, nl::kRootParent, kTbfHandle); });
    fault::point("bandwidth.after_ingress");
  }

  // Egress (from the container): what enters the host veth is redirected to an ifb, shaped
  // there. The ifb is shaped before traffic is sent to it.
  if (p.egress) {
    const std::string name = ifb_name(req.conf.name, req.container_id);
    // The veth's MTU and no transmit queue, as the reference 1.1.1 (its TBF queues instead).
    const nl::Link ifb = nl::create_ifb(host, name, veth.mtu(), 0);
    undo.push([&host, ref = nl::LinkRef(ifb)] { nl::remove_link(host, ref); });
    if (alias) {
      nl::set_alias(host, ifb, *alias);
    } else {
      spdlog::warn(
          "ADD: ifb {} left unmarked: its owner does not fit in an alias; GC will "
          "not collect it",
          name);
    }
    nl::add_tbf_root(host, ifb, kTbfHandle, *p.egress);
    fault::point("bandwidth.after_ifb");
    nl::add_ingress_qdisc(host, veth);
    undo.push([&] { nl::delete_qdisc(host, veth, nl::kIngressParent, nl::kIngressHandle); });
    nl::add_ingress_redirect(host, veth, ifb);
    result.interfaces.push_back({.name = ifb.name(), .mac = ifb.mac()});
    fault::point("bandwidth.after_redirect");
  }

  undo.commit();
  spdlog::info("ADD {}/{}: shaped on {}", req.container_id, req.ifname, veth.name());
  return result;
}

void cmd_del(const Request& req) {
  (void)parse_config(req);  // as the reference: a config it cannot read is an error
  ErrorList errors;
  nl::Socket host;
  const std::string name = ifb_name(req.conf.name, req.container_id);
  // The veth's qdiscs first (its redirect would otherwise drop what it sends to a gone ifb).
  // The veth is found from the container side; without the netns, from prevResult, if its
  // ingress leads to our ifb. With the netns gone, the veth is gone too.
  errors.attempt([&] {
    std::optional<nl::Link> veth;
    if (req.netns) {
      auto cont = nl::Socket::in(*req.netns);
      veth = find_host_veth(host, cont, req);
    } else if (req.conf.prev_result) {
      if (auto ifb = nl::find_link(host, name); ifb && ifb->kind() == "ifb") {
        veth = veth_redirecting_to(host, *req.conf.prev_result, ifb->index());
      }
    }
    if (veth) remove_veth_qdiscs(host, *veth);
  });
  // The ifb lives in the host namespace and goes by its name, whatever the netns.
  errors.attempt([&] { nl::remove_link(host, name); });
  errors.throw_if_any();
}

void cmd_gc(const Request& req) {
  ErrorList errors;
  nl::Socket host;
  for (const auto& link : nl::list_links(host)) {
    if (link.kind() != "ifb") continue;
    const auto owner = parse_owner_alias(nl::alias(link));
    // Only ifbs we marked as this network's: an unmarked one (the reference's) cannot be
    // told apart from another network's (its name hashes network and container ID together).
    if (!owner || owner->network != req.conf.name) continue;
    const Attachment a{owner->container_id, owner->ifname};
    if (std::find(req.valid_attachments.begin(), req.valid_attachments.end(), a) !=
        req.valid_attachments.end()) {
      continue;
    }
    spdlog::info("GC: removing ifb {} of {}/{}", link.name(), a.container_id, a.ifname);
    errors.attempt([&] { nl::remove_link(host, nl::LinkRef(link)); });
  }
  errors.throw_if_any();
}

void cmd_status(const Request& req) {
  (void)parse_config(req);
  // Everything ADD needs, tried in a namespace of its own on a thread (unshare affects the
  // calling thread only; the namespace dies with it): nothing appears in the host's.
  std::string missing;
  std::thread probe([&]() noexcept {
    try {
      if (::unshare(CLONE_NEWNET) != 0) {
        missing = std::string("a private network namespace to probe in (unshare: ") +
                  std::strerror(errno) + ")";
        return;
      }
      nl::Socket s;
      const auto step = [&](const char* what, auto&& f) {
        if (!missing.empty()) return;
        try {
          f();
        } catch (const Error& e) {
          missing = std::string(what) + " (" + e.msg() + ")";
        }
      };
      std::optional<nl::Link> ifb;
      step("ifb links", [&] { ifb = nl::create_ifb(s, "bwprobe", 0); });
      step("the tbf qdisc", [&] {
        const auto p = tbf_params({.rate = 8000000, .burst = 80000}, kernel_ticks_per_usec(), "");
        nl::add_tbf_root(s, *ifb, kTbfHandle, p);
      });
      step("the ingress qdisc", [&] { nl::add_ingress_qdisc(s, *ifb); });
      step("the u32 filter with the mirred action", [&] {
        auto lo = nl::find_link(s, "lo");
        nl::add_ingress_redirect(s, *ifb, *lo);
      });
    } catch (const std::exception& e) {
      missing = std::string("a probe: ") + e.what();
    }
  });
  probe.join();
  if (!missing.empty()) throw Error(Code::NotAvailable, "kernel lacks " + missing);
}

PluginFuncs plugin() {
  return PluginFuncs{.add = cmd_add,
                     .del = cmd_del,
                     .check = cmd_check,
                     .status = cmd_status,
                     .gc = cmd_gc,
                     .keys = kKeys};
}

}  // namespace cni::bandwidth

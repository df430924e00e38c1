#include "netlink/tc.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "cni/error.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

namespace {

constexpr int kDumpAttempts = 5;
constexpr std::uint32_t kFlowId = 0x00010001U;  // "1:1", as the reference's filter
constexpr std::uint16_t kFilterPriority = 1;

tcmsg header(int ifindex, std::uint32_t parent, std::uint32_t handle, std::uint32_t info = 0) {
  tcmsg hdr{};
  hdr.tcm_family = AF_UNSPEC;
  hdr.tcm_ifindex = ifindex;
  hdr.tcm_parent = parent;
  hdr.tcm_handle = handle;
  hdr.tcm_info = info;
  return hdr;
}

void require_index(Socket& sock, const LinkRef& link, std::string_view op) {
  if (link.index <= 0) {
    throw nl_error(-NLE_NODEV, op, describe_link(sock, link), KernelError{ENODEV, ""});
  }
}

void put_u64(nl_msg* m, int type, std::uint64_t v) {
  put(m, type, &v, sizeof v);
}

// Runs a dump of `type` with header `hdr`, handing each message to `parse` (restarted when a
// concurrent change interrupts it).
template <typename Out, typename Parse>
std::vector<Out> dump(Socket& sock, int type, const tcmsg& hdr, Parse parse,
                      const std::string& what) {
  struct State {
    Parse* parse;
    std::vector<Out> out;
  };
  for (int attempt = 0;; ++attempt) {
    auto msg = new_request(type, NLM_F_DUMP, &hdr, sizeof hdr);
    nl_sock* s = sock.request();
    sock.check(nl_send_auto(s, msg.get()), "list", what);
    State st{&parse, {}};
    CbPtr base(nl_socket_get_cb(s));    // a new reference
    CbPtr cb(nl_cb_clone(base.get()));  // keeps the socket's error handler
    if (!cb) throw Error(Code::Netlink, "list " + what + ": out of memory");
    nl_cb_set(
        cb.get(), NL_CB_VALID, NL_CB_CUSTOM,
        [](nl_msg* m, void* arg) -> int {
          auto* state = static_cast<State*>(arg);
          nlmsghdr* h = nlmsg_hdr(m);
          if (h->nlmsg_len < NLMSG_LENGTH(sizeof(tcmsg))) return NL_SKIP;
          if (auto item = (*state->parse)(h)) state->out.push_back(std::move(*item));
          return NL_OK;
        },
        &st);
    const int rc = nl_recvmsgs(s, cb.get());
    if (rc == -NLE_DUMP_INTR && attempt + 1 < kDumpAttempts) continue;
    sock.check(rc, "list", what);
    return std::move(st.out);
  }
}

std::optional<TbfParams> parse_tbf(nlattr* options) {
  if (!options) return std::nullopt;
  nlattr* tb[TCA_TBF_MAX + 1] = {};
  if (nla_parse_nested(tb, TCA_TBF_MAX, options, nullptr) < 0 || !tb[TCA_TBF_PARMS] ||
      nla_len(tb[TCA_TBF_PARMS]) < static_cast<int>(sizeof(tc_tbf_qopt))) {
    return std::nullopt;
  }
  tc_tbf_qopt q{};
  std::memcpy(&q, nla_data(tb[TCA_TBF_PARMS]), sizeof q);
  TbfParams p{.rate = q.rate.rate, .buffer = q.buffer, .limit = q.limit};
  if (tb[TCA_TBF_RATE64] && nla_len(tb[TCA_TBF_RATE64]) >= 8)
    p.rate = nla_get_u64(tb[TCA_TBF_RATE64]);
  return p;
}

std::optional<Qdisc> parse_qdisc(nlmsghdr* h, int ifindex) {
  if (h->nlmsg_type != RTM_NEWQDISC) return std::nullopt;
  const auto* tcm = static_cast<const tcmsg*>(nlmsg_data(h));
  if (tcm->tcm_ifindex != ifindex) return std::nullopt;
  nlattr* tb[TCA_MAX + 1] = {};
  if (nlmsg_parse(h, sizeof(tcmsg), tb, TCA_MAX, nullptr) < 0 || !tb[TCA_KIND]) {
    return std::nullopt;
  }
  Qdisc q{.ifindex = tcm->tcm_ifindex,
          .handle = tcm->tcm_handle,
          .parent = tcm->tcm_parent,
          .kind = nla_get_string(tb[TCA_KIND]),
          .tbf = std::nullopt};
  if (q.kind == "tbf") q.tbf = parse_tbf(tb[TCA_OPTIONS]);
  return q;
}

std::vector<Mirred> parse_actions(nlattr* acts) {
  std::vector<Mirred> out;
  if (!acts) return out;
  nlattr* act = nullptr;
  int rem = 0;
  nla_for_each_nested(act, acts, rem) {
    nlattr* ta[TCA_ACT_MAX + 1] = {};
    if (nla_parse_nested(ta, TCA_ACT_MAX, act, nullptr) < 0 || !ta[TCA_ACT_KIND]) continue;
    if (std::strcmp(nla_get_string(ta[TCA_ACT_KIND]), "mirred") != 0 || !ta[TCA_ACT_OPTIONS]) {
      continue;
    }
    nlattr* tm[TCA_MIRRED_MAX + 1] = {};
    if (nla_parse_nested(tm, TCA_MIRRED_MAX, ta[TCA_ACT_OPTIONS], nullptr) < 0 ||
        !tm[TCA_MIRRED_PARMS] ||
        nla_len(tm[TCA_MIRRED_PARMS]) < static_cast<int>(sizeof(tc_mirred))) {
      continue;
    }
    tc_mirred m{};
    std::memcpy(&m, nla_data(tm[TCA_MIRRED_PARMS]), sizeof m);
    out.push_back(
        {.eaction = m.eaction, .action = m.action, .ifindex = static_cast<int>(m.ifindex)});
  }
  return out;
}

std::optional<Filter> parse_filter(nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWTFILTER) return std::nullopt;
  const auto* tcm = static_cast<const tcmsg*>(nlmsg_data(h));
  nlattr* tb[TCA_MAX + 1] = {};
  if (nlmsg_parse(h, sizeof(tcmsg), tb, TCA_MAX, nullptr) < 0 || !tb[TCA_KIND]) {
    return std::nullopt;
  }
  Filter f{.handle = tcm->tcm_handle,
           .priority = static_cast<std::uint16_t>(TC_H_MAJ(tcm->tcm_info) >> 16),
           .protocol = ntohs(static_cast<std::uint16_t>(TC_H_MIN(tcm->tcm_info))),
           .kind = nla_get_string(tb[TCA_KIND]),
           .classid = 0,
           .mirred = {}};
  if (f.kind == "u32" && tb[TCA_OPTIONS]) {
    nlattr* tu[TCA_U32_MAX + 1] = {};
    if (nla_parse_nested(tu, TCA_U32_MAX, tb[TCA_OPTIONS], nullptr) >= 0) {
      if (tu[TCA_U32_CLASSID]) f.classid = nla_get_u32(tu[TCA_U32_CLASSID]);
      f.mirred = parse_actions(tu[TCA_U32_ACT]);
    }
  } else if (f.kind == "matchall" && tb[TCA_OPTIONS]) {
    nlattr* tm[TCA_MATCHALL_MAX + 1] = {};
    if (nla_parse_nested(tm, TCA_MATCHALL_MAX, tb[TCA_OPTIONS], nullptr) >= 0) {
      if (tm[TCA_MATCHALL_CLASSID]) f.classid = nla_get_u32(tm[TCA_MATCHALL_CLASSID]);
      f.mirred = parse_actions(tm[TCA_MATCHALL_ACT]);
    }
  }
  return f;
}

}  // namespace

std::string format_handle(std::uint32_t handle) {
  char buf[24];
  if (TC_H_MIN(handle) == 0) {
    std::snprintf(buf, sizeof buf, "%x:", TC_H_MAJ(handle) >> 16);
  } else {
    std::snprintf(buf, sizeof buf, "%x:%x", TC_H_MAJ(handle) >> 16, TC_H_MIN(handle));
  }
  return buf;
}

void add_tbf_root(Socket& sock, const LinkRef& link, std::uint32_t handle, const TbfParams& p) {
  const std::string op = "add tbf qdisc " + format_handle(handle) + " to";
  require_index(sock, link, op);
  const tcmsg hdr = header(link.index, kRootParent, handle);
  auto msg = new_request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &hdr, sizeof hdr);
  nl_msg* m = msg.get();
  put_string(m, TCA_KIND, "tbf");
  nlattr* opts = nest_start(m, TCA_OPTIONS);
  tc_tbf_qopt q{};
  // As tc: rates beyond 32 bits go in TCA_TBF_RATE64, the 32-bit field saturated.
  constexpr std::uint64_t k32 = 1ULL << 32;
  q.rate.rate = p.rate >= k32 ? 0xFFFFFFFFU : static_cast<std::uint32_t>(p.rate);
  q.buffer = p.buffer;
  q.limit = p.limit;
  put(m, TCA_TBF_PARMS, &q, sizeof q);
  if (p.rate >= k32) put_u64(m, TCA_TBF_RATE64, p.rate);
  nest_end(m, opts);
  const int rc = send(sock, std::move(msg));
  if (rc < 0) fail_link(sock, rc, op, link);
}

void add_ingress_qdisc(Socket& sock, const LinkRef& link) {
  const std::string op = "add ingress qdisc to";
  require_index(sock, link, op);
  const tcmsg hdr = header(link.index, kIngressParent, kIngressHandle);
  auto msg = new_request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &hdr, sizeof hdr);
  put_string(msg.get(), TCA_KIND, "ingress");
  nlattr* opts = nest_start(msg.get(), TCA_OPTIONS);  // empty, as tc sends it
  nest_end(msg.get(), opts);
  const int rc = send(sock, std::move(msg));
  if (rc < 0) fail_link(sock, rc, op, link);
}

void add_ingress_redirect(Socket& sock, const LinkRef& link, const LinkRef& target) {
  const std::string op = "add redirect filter to " + describe_link(sock, target) + " on";
  require_index(sock, link, op);
  require_index(sock, target, op);
  const std::uint32_t info = TC_H_MAKE(static_cast<std::uint32_t>(kFilterPriority) << 16,
                                       htons(static_cast<std::uint16_t>(ETH_P_ALL)));
  const tcmsg hdr = header(link.index, kIngressHandle, 0, info);
  auto msg = new_request(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &hdr, sizeof hdr);
  nl_msg* m = msg.get();
  put_string(m, TCA_KIND, "u32");
  nlattr* opts = nest_start(m, TCA_OPTIONS);
  put_u32(m, TCA_U32_CLASSID, kFlowId);
  // One key matching anything (mask 0 at offset 0), terminal: the actions run on every packet.
  // tc_u32_sel ends in a flexible array of keys: laid out by hand.
  std::array<unsigned char, sizeof(tc_u32_sel) + sizeof(tc_u32_key)> sel{};
  tc_u32_sel head{};
  head.flags = TC_U32_TERMINAL;
  head.nkeys = 1;
  std::memcpy(sel.data(), &head, sizeof head);  // the key after it stays all zero
  put(m, TCA_U32_SEL, sel.data(), sel.size());
  nlattr* acts = nest_start(m, TCA_U32_ACT);
  nlattr* act = nest_start(m, 1);  // the first action
  put_string(m, TCA_ACT_KIND, "mirred");
  nlattr* aopts = nest_start(m, TCA_ACT_OPTIONS);
  tc_mirred mirred{};
  mirred.action = TC_ACT_STOLEN;
  mirred.eaction = TCA_EGRESS_REDIR;
  mirred.ifindex = static_cast<std::uint32_t>(target.index);
  put(m, TCA_MIRRED_PARMS, &mirred, sizeof mirred);
  nest_end(m, aopts);
  nest_end(m, act);
  nest_end(m, acts);
  nest_end(m, opts);
  const int rc = send(sock, std::move(msg));
  if (rc < 0) fail_link(sock, rc, op, link);
}

bool delete_qdisc(Socket& sock, const LinkRef& link, std::uint32_t parent, std::uint32_t handle) {
  if (link.index <= 0) return false;
  const tcmsg hdr = header(link.index, parent, handle);
  auto msg = new_request(RTM_DELQDISC, 0, &hdr, sizeof hdr);
  const int rc = send(sock, std::move(msg));
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return false;
  if (rc < 0) {
    // A handle that is not the one at `parent` (e.g. the default qdisc there) is "Invalid
    // handle" (EINVAL), not ENOENT: gone when the link has no such qdisc.
    const KernelError kernel = sock.kernel_error();
    if (rc == -NLE_INVAL) {
      const auto qs = list_qdiscs(sock, link.index);
      if (std::none_of(qs.begin(), qs.end(),
                       [&](const Qdisc& q) { return q.parent == parent && q.handle == handle; })) {
        return false;
      }
    }
    throw nl_error(rc, "delete qdisc " + format_handle(handle) + " of", describe_link(sock, link),
                   kernel);
  }
  return true;
}

std::vector<Qdisc> list_qdiscs(Socket& sock, int ifindex) {
  const tcmsg hdr = header(ifindex, 0, 0);
  return dump<Qdisc>(
      sock, RTM_GETQDISC, hdr, [ifindex](nlmsghdr* h) { return parse_qdisc(h, ifindex); },
      "qdiscs of ifindex " + std::to_string(ifindex));
}

std::vector<Filter> list_filters(Socket& sock, int ifindex, std::uint32_t parent) {
  const tcmsg hdr = header(ifindex, parent, 0);
  return dump<Filter>(sock, RTM_GETTFILTER, hdr, parse_filter,
                      "filters of ifindex " + std::to_string(ifindex));
}

}  // namespace cni::nl

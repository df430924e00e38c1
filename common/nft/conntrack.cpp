#include "nft/conntrack.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "nft/error.hpp"
#include "nft/socket.hpp"

namespace cni::nft {
namespace {

constexpr std::uint16_t kCtGet = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
constexpr std::size_t kMsgBuffer = 8192;  // one request: a header and a copied tuple
constexpr std::uint16_t kCtDelete = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;

// One entry to delete: its original tuple attribute as the kernel sent it, and its zone.
struct Victim {
  std::vector<char> tuple;            // the whole CTA_TUPLE_ORIG attribute
  std::optional<std::uint16_t> zone;  // network order, as sent
};

struct TopAttrs {
  const nlattr* tuple = nullptr;
  const nlattr* zone = nullptr;
};

int top_cb(const nlattr* attr, void* data) {
  auto* out = static_cast<TopAttrs*>(data);
  const auto type = mnl_attr_get_type(attr);
  if (type == CTA_TUPLE_ORIG) out->tuple = attr;
  if (type == CTA_ZONE && mnl_attr_get_payload_len(attr) >= 2) out->zone = attr;
  return MNL_CB_OK;
}

int tuple_cb(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == CTA_TUPLE_PROTO) *static_cast<const nlattr**>(data) = attr;
  return MNL_CB_OK;
}

struct ProtoAttrs {
  int proto = -1;
  int dport = -1;
};

int proto_cb(const nlattr* attr, void* data) {
  auto* out = static_cast<ProtoAttrs*>(data);
  const auto type = mnl_attr_get_type(attr);
  if (type == CTA_PROTO_NUM && mnl_attr_get_payload_len(attr) >= 1)
    out->proto = mnl_attr_get_u8(attr);
  if (type == CTA_PROTO_DST_PORT && mnl_attr_get_payload_len(attr) >= 2)
    out->dport = ntohs(mnl_attr_get_u16(attr));
  return MNL_CB_OK;
}

nlmsghdr* put_header(char* buf, std::uint16_t type, std::uint16_t flags, std::uint8_t family,
                     std::uint32_t seq) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  return nlh;
}

}  // namespace

std::size_t delete_udp_conntrack(net::Family family, const std::vector<std::uint16_t>& ports) {
  if (ports.empty()) return 0;
  const auto af = static_cast<std::uint8_t>(family == net::Family::V4 ? AF_INET : AF_INET6);
  const std::string op =
      std::string("list ") + (family == net::Family::V4 ? "IPv4" : "IPv6") + " conntrack entries";
  Socket sock;
  alignas(nlmsghdr) std::array<char, kMsgBuffer> request{};
  std::vector<Victim> victims;
  nlmsghdr* dump = put_header(request.data(), kCtGet, NLM_F_DUMP, af, sock.next_seq());
  sock.dump(
      *dump,
      [&](const nlmsghdr& msg) {
        TopAttrs top;
        mnl_attr_parse(&msg, sizeof(nfgenmsg), top_cb, &top);
        if (top.tuple == nullptr) return;
        const nlattr* proto_nest = nullptr;
        mnl_attr_parse_nested(top.tuple, tuple_cb, &proto_nest);
        if (proto_nest == nullptr) return;
        ProtoAttrs p;
        mnl_attr_parse_nested(proto_nest, proto_cb, &p);
        if (p.proto != IPPROTO_UDP || std::find(ports.begin(), ports.end(), p.dport) == ports.end())
          return;
        Victim v;
        const auto* raw = reinterpret_cast<const char*>(top.tuple);
        v.tuple.assign(raw, raw + top.tuple->nla_len);
        if (top.zone != nullptr) v.zone = mnl_attr_get_u16(top.zone);
        victims.push_back(std::move(v));
      },
      op);

  std::size_t deleted = 0;
  for (const auto& v : victims) {
    alignas(nlmsghdr) std::array<char, kMsgBuffer> buf{};
    const std::uint32_t seq = sock.next_seq();
    nlmsghdr* nlh = put_header(buf.data(), kCtDelete, NLM_F_ACK, af, seq);
    if (v.tuple.size() > 1024) continue;
    std::memcpy(mnl_nlmsg_get_payload_tail(nlh), v.tuple.data(), v.tuple.size());
    nlh->nlmsg_len += MNL_ALIGN(static_cast<std::uint32_t>(v.tuple.size()));
    if (v.zone) mnl_attr_put_u16(nlh, CTA_ZONE, *v.zone);
    sock.send({iovec{nlh, nlh->nlmsg_len}}, "delete conntrack entry");
    sock.drain(
        [&](const nlmsghdr& reply) {
          auto ack = parse_ack(reply);
          if (ack && ack->seq == seq && ack->error == 0) ++deleted;
        },
        "delete conntrack entry");
  }
  return deleted;
}

}  // namespace cni::nft

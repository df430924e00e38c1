#include "netlink/bridge.hpp"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>

#include <cstdint>

#include "cni/error.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

namespace {

constexpr int kDumpAttempts = 5;
constexpr int kMaxVid = 4094;
constexpr int kMaxMtu = 65535;

constexpr unsigned kUp = IFF_UP;
constexpr unsigned kPromisc = IFF_PROMISC;

// ifi_flags / ifi_change for "up" plus, when asked, promisc on or off.
unsigned flags_for(bool up, std::optional<bool> promisc) {
  return (up ? kUp : 0U) | (promisc.value_or(false) ? kPromisc : 0U);
}
unsigned change_mask(bool up, std::optional<bool> promisc) {
  return (up ? kUp : 0U) | (promisc ? kPromisc : 0U);
}

ifinfomsg link_header(int family, int ifindex) {
  ifinfomsg hdr{};
  hdr.ifi_family = static_cast<unsigned char>(family);
  hdr.ifi_index = ifindex;
  return hdr;
}

// Creates the bridge up, with its MTU, promisc and vlan_filtering; false on EEXIST.
bool create(Socket& sock, const BridgeSpec& spec) {
  ifinfomsg hdr = link_header(AF_UNSPEC, 0);
  hdr.ifi_flags = flags_for(true, spec.promisc);
  hdr.ifi_change = change_mask(true, spec.promisc);
  auto msg = new_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &hdr, sizeof hdr);
  nl_msg* m = msg.get();
  put_string(m, IFLA_IFNAME, spec.name);
  if (spec.mtu > 0) put_u32(m, IFLA_MTU, static_cast<std::uint32_t>(spec.mtu));
  nlattr* info = nest_start(m, IFLA_LINKINFO);
  put_string(m, IFLA_INFO_KIND, "bridge");
  if (spec.vlan_filtering) {
    nlattr* data = nest_start(m, IFLA_INFO_DATA);
    put_u8(m, IFLA_BR_VLAN_FILTERING, 1);
    nest_end(m, data);
  }
  nest_end(m, info);
  const int rc = send(sock, std::move(msg));
  if (rc == -NLE_EXIST) return false;
  sock.check(rc, "create bridge", spec.name);
  return true;
}

Link must_find(Socket& sock, const std::string& name) {
  auto l = find_link(sock, name);
  if (!l) throw Error(Code::Netlink, "bridge " + name + ": vanished while being set up");
  return std::move(*l);
}

// An AF_BRIDGE request about one port: IFLA_PROTINFO or IFLA_AF_SPEC, nested.
MsgPtr port_request(int type, const LinkRef& port) {
  const ifinfomsg hdr = link_header(AF_BRIDGE, port.index);
  return new_request(type, 0, &hdr, sizeof hdr);
}

void put_vlan(nl_msg* m, int vid, std::uint16_t flags) {
  bridge_vlan_info v{};
  v.flags = flags;
  v.vid = static_cast<std::uint16_t>(vid);
  put(m, IFLA_BRIDGE_VLAN_INFO, &v, sizeof v);
}

void check_vid(Socket& sock, const LinkRef& port, int vid) {
  if (vid < 1 || vid > kMaxVid) {
    throw Error(Code::InvalidConfig, "set VLANs on " + describe_link(sock, port) + ": VLAN id " +
                                         std::to_string(vid) + " is not between 1 and 4094");
  }
}

struct DumpState {
  int ifindex;
  std::vector<PortVlan> out;
  int range_start = 0;
};

int on_port(nl_msg* msg, void* arg) {
  auto* st = static_cast<DumpState*>(arg);
  nlmsghdr* hdr = nlmsg_hdr(msg);
  if (hdr->nlmsg_type != RTM_NEWLINK) return NL_OK;
  const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(hdr));
  if (ifi->ifi_index != st->ifindex) return NL_OK;
  nlattr* tb[IFLA_MAX + 1] = {};
  if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_AF_SPEC]) {
    return NL_OK;
  }
  int rem = nla_len(tb[IFLA_AF_SPEC]);
  for (auto* a = static_cast<nlattr*>(nla_data(tb[IFLA_AF_SPEC])); nla_ok(a, rem);
       a = nla_next(a, &rem)) {
    if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO ||
        nla_len(a) < static_cast<int>(sizeof(bridge_vlan_info))) {
      continue;
    }
    const auto* v = static_cast<const bridge_vlan_info*>(nla_data(a));
    if (v->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
      st->range_start = v->vid;
      continue;
    }
    const int first = (v->flags & BRIDGE_VLAN_INFO_RANGE_END) ? st->range_start : v->vid;
    st->out.push_back({first, v->vid, (v->flags & BRIDGE_VLAN_INFO_PVID) != 0,
                       (v->flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0});
  }
  return NL_OK;
}

}  // namespace

Link ensure_bridge(Socket& sock, const BridgeSpec& spec, bool* created) {
  if (created) *created = false;
  if (spec.name.empty() || spec.name.size() >= IFNAMSIZ) {
    throw Error(Code::InvalidConfig,
                "bridge \"" + spec.name + "\": interface names are 1 to 15 bytes");
  }
  if (spec.mtu < 0 || spec.mtu > kMaxMtu) {
    throw Error(Code::InvalidConfig,
                "bridge " + spec.name + ": MTU " + std::to_string(spec.mtu) + " out of range");
  }
  auto existing = find_link(sock, spec.name);
  if (!existing) {
    if (create(sock, spec)) {
      if (created) *created = true;
      return must_find(sock, spec.name);
    }
    existing = must_find(sock, spec.name);  // created by someone else meanwhile
  }
  if (existing->kind() != "bridge") {
    throw Error(Code::InvalidConfig, "bridge " + spec.name +
                                         ": link already exists but is not a bridge (kind \"" +
                                         existing->kind() + "\")");
  }
  const bool promisc_now = (existing->flags() & IFF_PROMISC) != 0;
  const bool fix_promisc = spec.promisc && *spec.promisc != promisc_now;
  if (existing->is_up() && !fix_promisc) return std::move(*existing);

  const std::optional<bool> promisc = fix_promisc ? spec.promisc : std::nullopt;
  ifinfomsg hdr = link_header(AF_UNSPEC, existing->index());
  hdr.ifi_flags = flags_for(true, promisc);
  hdr.ifi_change = change_mask(true, promisc);
  const int rc = send(sock, new_request(RTM_NEWLINK, 0, &hdr, sizeof hdr));
  if (rc < 0)
    fail_link(sock, rc, fix_promisc ? "set up and promisc of bridge" : "set up bridge", *existing);
  return must_find(sock, spec.name);
}

void set_bridge_vlan_filtering(Socket& sock, const LinkRef& bridge, bool on) {
  const ifinfomsg hdr = link_header(AF_UNSPEC, bridge.index);
  auto msg = new_request(RTM_NEWLINK, 0, &hdr, sizeof hdr);
  nl_msg* m = msg.get();
  nlattr* info = nest_start(m, IFLA_LINKINFO);
  put_string(m, IFLA_INFO_KIND, "bridge");
  nlattr* data = nest_start(m, IFLA_INFO_DATA);
  put_u8(m, IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
  nest_end(m, data);
  nest_end(m, info);
  const int rc = send(sock, std::move(msg));
  if (rc < 0)
    fail_link(sock, rc, on ? "enable VLAN filtering on" : "disable VLAN filtering on", bridge);
}

void pin_bridge_mac(Socket& sock, const Link& bridge) {
  const std::string mac = bridge.mac();
  if (mac.empty()) {
    throw Error(Code::Netlink, "pin MAC of bridge " + bridge.name() + ": it has no MAC");
  }
  set_mac(sock, bridge, mac);
}

void set_port_options(Socket& sock, const LinkRef& port, const PortOptions& opts) {
  if (!opts.hairpin && !opts.isolated && !opts.learning) return;
  std::string what;
  const auto add = [&](const char* name, std::optional<bool> v) {
    if (!v) return;
    what += what.empty() ? " (" : ", ";
    what += std::string(name) + (*v ? " on" : " off");
  };
  add("hairpin", opts.hairpin);
  add("isolated", opts.isolated);
  add("learning", opts.learning);
  what += ") on";

  auto msg = port_request(RTM_SETLINK, port);
  nl_msg* m = msg.get();
  // The bridge only parses the nested form when NLA_F_NESTED is set (spelled out here although
  // nest_start sets it: without it the kernel takes the old one-byte port state format).
  nlattr* prot = nest_start(m, IFLA_PROTINFO | NLA_F_NESTED);
  if (opts.hairpin) put_u8(m, IFLA_BRPORT_MODE, *opts.hairpin ? 1 : 0);
  if (opts.isolated) put_u8(m, IFLA_BRPORT_ISOLATED, *opts.isolated ? 1 : 0);
  if (opts.learning) put_u8(m, IFLA_BRPORT_LEARNING, *opts.learning ? 1 : 0);
  nest_end(m, prot);
  const int rc = send(sock, std::move(msg));
  if (rc < 0) fail_link(sock, rc, "set bridge port options" + what, port);
}

void set_port_vlans(Socket& sock, const LinkRef& port, const VlanSpec& vlans) {
  bool has_vlan1 = false;
  if (vlans.pvid_untagged) {
    check_vid(sock, port, *vlans.pvid_untagged);
    has_vlan1 = *vlans.pvid_untagged == 1;
  }
  std::string label = vlans.pvid_untagged ? "pvid " + std::to_string(*vlans.pvid_untagged) : "";
  for (const auto& [lo, hi] : vlans.tagged_ranges) {
    check_vid(sock, port, lo);
    check_vid(sock, port, hi);
    if (lo > hi) {
      throw Error(Code::InvalidConfig, "set VLANs on " + describe_link(sock, port) +
                                           ": VLAN range " + std::to_string(lo) + "-" +
                                           std::to_string(hi) + " is inverted");
    }
    has_vlan1 = has_vlan1 || lo == 1;
    label += label.empty() ? "tagged " : ", ";
    label += std::to_string(lo) + (lo == hi ? "" : "-" + std::to_string(hi));
  }

  if (vlans.pvid_untagged || !vlans.tagged_ranges.empty()) {
    auto msg = port_request(RTM_SETLINK, port);
    nl_msg* m = msg.get();
    nlattr* spec = nest_start(m, IFLA_AF_SPEC);
    if (vlans.pvid_untagged) {
      put_vlan(m, *vlans.pvid_untagged, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
    }
    for (const auto& [lo, hi] : vlans.tagged_ranges) {
      if (lo == hi) {
        put_vlan(m, lo, 0);
      } else {
        put_vlan(m, lo, BRIDGE_VLAN_INFO_RANGE_BEGIN);
        put_vlan(m, hi, BRIDGE_VLAN_INFO_RANGE_END);
      }
    }
    nest_end(m, spec);
    const int rc = send(sock, std::move(msg));
    if (rc < 0) fail_link(sock, rc, "add VLANs " + label + " to", port);
  }

  if (!vlans.keep_default_vlan1 && !has_vlan1) {
    auto msg = port_request(RTM_DELLINK, port);
    nl_msg* m = msg.get();
    nlattr* spec = nest_start(m, IFLA_AF_SPEC);
    put_vlan(m, 1, 0);
    nest_end(m, spec);
    const int rc = send(sock, std::move(msg));
    if (rc < 0 && rc != -NLE_OBJ_NOTFOUND) fail_link(sock, rc, "remove default VLAN 1 from", port);
  }
}

std::vector<PortVlan> list_port_vlans(Socket& sock, int port_ifindex) {
  const std::string what = "ifindex " + std::to_string(port_ifindex);
  for (int attempt = 0;; ++attempt) {
    const ifinfomsg hdr = link_header(AF_BRIDGE, 0);
    auto msg = new_request(RTM_GETLINK, NLM_F_DUMP, &hdr, sizeof hdr);
    put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN_COMPRESSED);
    nl_sock* s = sock.request();
    sock.check(nl_send_auto(s, msg.get()), "list VLANs of", what);

    DumpState st{port_ifindex, {}, 0};
    CbPtr base(nl_socket_get_cb(s));    // a new reference
    CbPtr cb(nl_cb_clone(base.get()));  // keeps the socket's error handler
    if (!cb) throw Error(Code::Netlink, "list VLANs of " + what + ": out of memory");
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_port, &st);
    const int rc = nl_recvmsgs(s, cb.get());
    if (rc == -NLE_DUMP_INTR && attempt + 1 < kDumpAttempts) continue;
    sock.check(rc, "list VLANs of", what);
    return std::move(st.out);
  }
}

}  // namespace cni::nl

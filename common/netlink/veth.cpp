#include "netlink/veth.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "cni/error.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

namespace {

constexpr int kNameAttempts = 10;  // the reference's makeVeth
constexpr int kMaxMtu = 65535;

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() < IFNAMSIZ;
}

std::string describe(const VethSpec& s) {
  std::string out = "veth " + s.host_name + " (peer " + s.peer_name;
  if (s.peer_ns) out += " in " + s.peer_ns->path();
  return out + ")";
}

// The 6 bytes of "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (the forms set_mac accepts): libnl
// parses, and a round trip through its canonical form rejects anything looser.
NlAddrPtr parse_mac(const std::string& text) {
  std::string s = text;
  const bool colon = s.find(':') != std::string::npos;
  const bool dash = s.find('-') != std::string::npos;
  if (colon && dash) return nullptr;
  for (char& c : s) {
    if (c == '-') c = ':';
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  nl_addr* raw = nullptr;
  if (nl_addr_parse(s.c_str(), AF_LLC, &raw) < 0) return nullptr;
  NlAddrPtr addr(raw);
  char canonical[32];
  if (nl_addr_get_len(addr.get()) != 6 ||
      s != nl_addr2str(addr.get(), canonical, sizeof canonical)) {
    return nullptr;
  }
  return addr;
}

void validate(const VethSpec& s, const NlAddrPtr& mac) {
  const auto bad = [&](const std::string& why) {
    throw Error(Code::InvalidConfig, "create " + describe(s) + ": " + why);
  };
  if (!valid_name(s.host_name)) bad("host name \"" + s.host_name + "\" is not 1 to 15 bytes");
  if (!valid_name(s.peer_name)) bad("peer name \"" + s.peer_name + "\" is not 1 to 15 bytes");
  if (s.mtu < 0 || s.mtu > kMaxMtu) bad("MTU " + std::to_string(s.mtu) + " out of range");
  if (!s.peer_mac.empty() && !mac) {
    bad("MAC \"" + s.peer_mac + "\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
  }
}

MsgPtr build(const VethSpec& s, const nl_addr* peer_mac) {
  ifinfomsg hdr{};
  hdr.ifi_family = AF_UNSPEC;
  if (s.host_up) hdr.ifi_flags = hdr.ifi_change = IFF_UP;
  auto msg = new_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &hdr, sizeof hdr);
  nl_msg* m = msg.get();
  put_string(m, IFLA_IFNAME, s.host_name);
  if (s.mtu > 0) put_u32(m, IFLA_MTU, static_cast<std::uint32_t>(s.mtu));
  if (s.host_master > 0) put_u32(m, IFLA_MASTER, static_cast<std::uint32_t>(s.host_master));

  nlattr* linkinfo = nest_start(m, IFLA_LINKINFO);
  put_string(m, IFLA_INFO_KIND, "veth");
  nlattr* data = nest_start(m, IFLA_INFO_DATA);
  nlattr* peer = nest_start(m, VETH_INFO_PEER);
  // The peer's attributes follow its own ifinfomsg, as in a top-level RTM_NEWLINK.
  ifinfomsg peer_hdr{};
  peer_hdr.ifi_family = AF_UNSPEC;
  append_header(m, &peer_hdr, sizeof peer_hdr);
  put_string(m, IFLA_IFNAME, s.peer_name);
  if (s.mtu > 0) put_u32(m, IFLA_MTU, static_cast<std::uint32_t>(s.mtu));
  if (peer_mac) {
    put(m, IFLA_ADDRESS, nl_addr_get_binary_addr(peer_mac), nl_addr_get_len(peer_mac));
  }
  if (s.peer_ns) put_u32(m, IFLA_NET_NS_FD, static_cast<std::uint32_t>(s.peer_ns->fd()));
  nest_end(m, peer);
  nest_end(m, data);
  nest_end(m, linkinfo);
  return msg;
}

}  // namespace

std::string random_veth_name() {
  std::uint32_t r = 0;
  auto* p = reinterpret_cast<unsigned char*>(&r);
  std::size_t got = 0;
  while (got < sizeof r) {
    const ssize_t n = ::getrandom(p + got, sizeof r - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Code::System, std::string("random veth name: getrandom: ") + strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "veth%08x", r);
  return buf;
}

VethOutcome create_veth(Socket& host_sock, const VethSpec& spec) {
  const NlAddrPtr mac = spec.peer_mac.empty() ? nullptr : parse_mac(spec.peer_mac);
  validate(spec, mac);
  const int rc = send(host_sock, build(spec, mac.get()));
  if (rc == 0) return VethOutcome::Created;
  if (rc == -NLE_EXIST) {
    // The kernel checks the host name first (rtnl_newlink) and the peer's while creating it:
    // whichever is taken, the answer is the same EEXIST.
    return find_link(host_sock, spec.host_name) ? VethOutcome::HostNameExists
                                                : VethOutcome::PeerNameExists;
  }
  host_sock.fail(rc, "create", describe(spec));
}

VethPair create_veth_with_random_host_name(Socket& host_sock, Socket& peer_sock, VethSpec spec) {
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    spec.host_name = random_veth_name();
    switch (create_veth(host_sock, spec)) {
      case VethOutcome::Created: {
        auto host = find_link(host_sock, spec.host_name);
        auto peer = find_link(peer_sock, spec.peer_name);
        if (!host || !peer) {
          throw Error(Code::Netlink, "create " + describe(spec) +
                                         ": created, but an end vanished before it was read");
        }
        return VethPair{std::move(*host), std::move(*peer)};
      }
      case VethOutcome::HostNameExists:
        continue;
      case VethOutcome::PeerNameExists:
        throw Error(Code::Netlink, "create " + describe(spec) + ": container interface " +
                                       spec.peer_name + " already exists");
    }
  }
  throw Error(Code::Netlink, "create veth (peer " + spec.peer_name + "): no free host name after " +
                                 std::to_string(kNameAttempts) + " random tries");
}

}  // namespace cni::nl

#include "netlink/ifb.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstdint>

#include "cni/error.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

namespace {
constexpr std::size_t kMaxAlias = 255;  // IFALIASZ - 1
}  // namespace

Link create_ifb(Socket& sock, std::string_view name, int mtu, int txqlen) {
  const std::string n(name);
  if (n.empty() || n.size() >= IFNAMSIZ) {
    throw Error(Code::InvalidConfig, "create ifb \"" + n + "\": names are 1 to 15 bytes");
  }
  ifinfomsg hdr{};
  hdr.ifi_family = AF_UNSPEC;
  hdr.ifi_flags = hdr.ifi_change = IFF_UP;
  auto msg = new_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &hdr, sizeof hdr);
  nl_msg* m = msg.get();
  put_string(m, IFLA_IFNAME, n);
  if (mtu > 0) put_u32(m, IFLA_MTU, static_cast<std::uint32_t>(mtu));
  if (txqlen >= 0) put_u32(m, IFLA_TXQLEN, static_cast<std::uint32_t>(txqlen));
  nlattr* linkinfo = nest_start(m, IFLA_LINKINFO);
  put_string(m, IFLA_INFO_KIND, "ifb");
  nest_end(m, linkinfo);
  const int rc = send(sock, std::move(msg));
  if (rc < 0) sock.fail(rc, "create ifb", n);
  auto link = find_link(sock, n);
  if (!link) throw Error(Code::Netlink, "create ifb " + n + ": gone right after its creation");
  return *link;
}

void set_alias(Socket& sock, const LinkRef& link, std::string_view alias) {
  const std::string op = "set alias of";
  if (alias.size() > kMaxAlias) {
    throw Error(Code::InvalidConfig, op + " " + describe_link(sock, link) + ": longer than " +
                                         std::to_string(kMaxAlias) + " bytes");
  }
  if (link.index <= 0)
    throw Error(Code::Netlink, op + " " + describe_link(sock, link) + ": no ifindex");
  ifinfomsg hdr{};
  hdr.ifi_family = AF_UNSPEC;
  hdr.ifi_index = link.index;
  auto msg = new_request(RTM_SETLINK, 0, &hdr, sizeof hdr);
  put(msg.get(), IFLA_IFALIAS, alias.data(), alias.size());
  const int rc = send(sock, std::move(msg));
  if (rc < 0) fail_link(sock, rc, op, link);
}

std::string alias(const Link& link) {
  const char* a = rtnl_link_get_ifalias(link.raw());
  return a ? a : "";
}

}  // namespace cni::nl

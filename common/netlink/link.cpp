#include "netlink/link.hpp"

#include <net/if.h>
#include <netlink/errno.h>

#include "cni/error.hpp"
#include "netlink/error.hpp"

namespace cni::nl {

namespace {
bool is_not_found(int rc) {
  int c = -rc;
  return c == NLE_OBJ_NOTFOUND || c == NLE_NODEV;
}

LinkPtr alloc_link() {
  LinkPtr l(rtnl_link_alloc());
  if (!l) throw Error(Code::Netlink, "allocate link: out of memory");
  return l;
}

// rtnl_link_change needs the original (for its ifindex) and the attributes to change.
void change(Socket& sock, const Link& link, rtnl_link* changes, std::string_view op) {
  check_nl(rtnl_link_change(sock.get(), link.raw(), changes, 0), op, link.name());
}

std::optional<Link> get(Socket& sock, int ifindex, const char* name) {
  rtnl_link* out = nullptr;
  int rc = rtnl_link_get_kernel(sock.get(), ifindex, name, &out);
  if (rc < 0) {
    if (is_not_found(rc)) return std::nullopt;
    throw_nl(rc, "get link", name ? name : std::to_string(ifindex));
  }
  return Link(LinkPtr(out));
}
}  // namespace

std::string Link::name() const {
  const char* n = rtnl_link_get_name(link_.get());
  return n ? n : "";
}
int Link::index() const {
  return rtnl_link_get_ifindex(link_.get());
}
unsigned Link::flags() const {
  return rtnl_link_get_flags(link_.get());
}
bool Link::is_up() const {
  return (flags() & IFF_UP) != 0;
}
int Link::mtu() const {
  return static_cast<int>(rtnl_link_get_mtu(link_.get()));
}
int Link::master() const {
  return rtnl_link_get_master(link_.get());
}
std::uint8_t Link::oper_state() const {
  return rtnl_link_get_operstate(link_.get());
}
int Link::peer_index() const {
  return rtnl_link_get_link(link_.get());
}

std::string Link::mac() const {
  nl_addr* a = rtnl_link_get_addr(link_.get());
  if (!a || nl_addr_get_len(a) == 0) return "";
  char buf[64];
  nl_addr2str(a, buf, sizeof buf);
  return buf;
}

std::string Link::kind() const {
  const char* t = rtnl_link_get_type(link_.get());
  return t ? t : "";
}

std::optional<Link> find_link(Socket& sock, std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return std::nullopt;
  std::string n(name);
  return get(sock, 0, n.c_str());
}

std::optional<Link> find_link(Socket& sock, int ifindex) {
  if (ifindex <= 0) return std::nullopt;
  return get(sock, ifindex, nullptr);
}

std::vector<Link> list_links(Socket& sock) {
  nl_cache* raw = nullptr;
  int rc;
  // A dump interrupted by a concurrent change is retried (netlinksafe in the reference).
  for (int attempt = 0;; ++attempt) {
    rc = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw);
    if (rc != -NLE_DUMP_INTR || attempt >= 5) break;
  }
  check_nl(rc, "list links", "");
  CachePtr cache(raw);
  std::vector<Link> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    nl_object_get(o);
    out.emplace_back(LinkPtr(reinterpret_cast<rtnl_link*>(o)));
  }
  return out;
}

void set_up(Socket& sock, const Link& link) {
  auto c = alloc_link();
  rtnl_link_set_flags(c.get(), IFF_UP);
  change(sock, link, c.get(), "set link up");
}

void set_down(Socket& sock, const Link& link) {
  auto c = alloc_link();
  rtnl_link_unset_flags(c.get(), IFF_UP);
  change(sock, link, c.get(), "set link down");
}

void set_mtu(Socket& sock, const Link& link, int mtu) {
  if (mtu <= 0)
    throw Error(Code::InvalidConfig, "mtu: " + std::to_string(mtu) + " is not positive");
  auto c = alloc_link();
  rtnl_link_set_mtu(c.get(), static_cast<unsigned>(mtu));
  change(sock, link, c.get(), "set MTU " + std::to_string(mtu) + " on");
}

void set_mac(Socket& sock, const Link& link, std::string_view mac) {
  nl_addr* raw = nullptr;
  std::string m(mac);
  if (nl_addr_parse(m.c_str(), AF_LLC, &raw) < 0 || nl_addr_get_len(raw) != 6) {
    if (raw) nl_addr_put(raw);
    throw Error(Code::InvalidConfig, "mac: \"" + m + "\" is not a MAC address");
  }
  NlAddrPtr addr(raw);
  auto c = alloc_link();
  rtnl_link_set_addr(c.get(), addr.get());
  change(sock, link, c.get(), "set MAC " + m + " on");
}

void rename(Socket& sock, const Link& link, std::string_view new_name) {
  auto c = alloc_link();
  std::string n(new_name);
  rtnl_link_set_name(c.get(), n.c_str());
  change(sock, link, c.get(), "rename to " + n + ":");
}

void move_to_netns(Socket& sock, const Link& link, const netns::Handle& ns) {
  auto c = alloc_link();
  rtnl_link_set_ns_fd(c.get(), ns.fd());
  change(sock, link, c.get(), "move to " + ns.path() + ":");
}

bool remove_link(Socket& sock, const Link& link) {
  auto c = alloc_link();
  rtnl_link_set_ifindex(c.get(), link.index());
  int rc = rtnl_link_delete(sock.get(), c.get());
  if (rc < 0) {
    if (is_not_found(rc)) return false;
    throw_nl(rc, "delete link", link.name());
  }
  return true;
}

}  // namespace cni::nl

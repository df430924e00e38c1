#include "netlink/link.hpp"

#include <net/if.h>
#include <netlink/errno.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>

#include "cni/error.hpp"

namespace cni::nl {

namespace {

// Give up on a dump that keeps being interrupted by concurrent changes after this many tries.
constexpr int kDumpAttempts = 5;

bool is_gone(int rc) {
  return rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND;
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() < IFNAMSIZ;
}

LinkPtr alloc_link() {
  LinkPtr l(rtnl_link_alloc());
  if (!l) throw Error(Code::Netlink, "allocate link: out of memory");
  return l;
}

// One RTM_NEWLINK (libnl falls back to RTM_SETLINK) carrying only the attributes set in
// `changes`, for the link with ref.index.
void change(Socket& sock, const LinkRef& ref, rtnl_link* changes, std::string_view op,
            std::string_view suffix = {}) {
  if (ref.index <= 0) {
    // ifindex 0 would let the kernel pick a link by the name in `changes`: never send that.
    throw nl_error(-NLE_NODEV, op, describe_link(sock, ref) + std::string(suffix),
                   KernelError{ENODEV, ""});
  }
  auto orig = alloc_link();
  rtnl_link_set_ifindex(orig.get(), ref.index);
  const int rc = rtnl_link_change(sock.request(), orig.get(), changes, 0);
  if (rc < 0) fail_link(sock, rc, op, ref, suffix);
}

std::optional<Link> get(Socket& sock, int ifindex, const char* name) {
  rtnl_link* out = nullptr;
  const int rc = rtnl_link_get_kernel(sock.request(), ifindex, name, &out);
  if (rc < 0) {
    if (is_gone(rc)) return std::nullopt;
    sock.fail(rc, "get link", name ? std::string(name) : "ifindex " + std::to_string(ifindex));
  }
  return Link(LinkPtr(out));  // rtnl_link_get_kernel returns a reference we now own
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (one separator throughout).
std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  const char sep = s[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  std::array<std::uint8_t, 6> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && s[at - 1] != sep) return std::nullopt;
    const int hi = hex_digit(s[at]);
    const int lo = hex_digit(s[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

Link::Link(const Link& o) : link_(o.link_.get()) {
  if (link_) nl_object_get(reinterpret_cast<nl_object*>(link_.get()));
}

Link& Link::operator=(const Link& o) {
  if (this != &o) *this = Link(o);
  return *this;
}

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
bool Link::is_promisc() const {
  return (flags() & IFF_PROMISC) != 0;
}
bool Link::is_allmulti() const {
  return (flags() & IFF_ALLMULTI) != 0;
}
std::uint32_t Link::txqlen() const {
  return rtnl_link_get_txqlen(link_.get());
}
OperState Link::oper_state() const {
  return static_cast<OperState>(rtnl_link_get_operstate(link_.get()));
}

std::string Link::mac() const {
  const nl_addr* a = rtnl_link_get_addr(link_.get());
  if (!a) return "";
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(a));
  const unsigned len = nl_addr_get_len(a);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    if (i > 0) out += ':';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

std::string Link::kind() const {
  const char* t = rtnl_link_get_type(link_.get());
  return t ? t : "";
}

std::optional<int> Link::master() const {
  const int m = rtnl_link_get_master(link_.get());
  return m > 0 ? std::optional<int>(m) : std::nullopt;
}

std::optional<int> Link::peer_index() const {
  const int l = rtnl_link_get_link(link_.get());
  return l > 0 ? std::optional<int>(l) : std::nullopt;
}

std::optional<int> Link::link_netnsid() const {
  std::int32_t id = 0;
  if (rtnl_link_get_link_netnsid(link_.get(), &id) < 0) return std::nullopt;
  return id;
}

std::string describe_link(Socket& sock, const LinkRef& ref) {
  if (!ref.name.empty()) return ref.name;
  if (ref.index > 0) {
    try {
      if (auto l = find_link(sock, ref.index)) return l->name();
    } catch (const Error&) {
      // Only a label for a message: fall back to the ifindex.
    }
  }
  return "ifindex " + std::to_string(ref.index);
}

void fail_link(Socket& sock, int rc, std::string_view op, const LinkRef& ref,
               std::string_view suffix) {
  const KernelError kernel = sock.kernel_error();  // describe_link may send another request
  throw nl_error(rc, op, describe_link(sock, ref) + std::string(suffix), kernel);
}

std::optional<Link> find_link(Socket& sock, std::string_view name) {
  if (!valid_name(name)) return std::nullopt;
  const std::string n(name);
  return get(sock, 0, n.c_str());
}

std::optional<Link> find_link(Socket& sock, int ifindex) {
  if (ifindex <= 0) return std::nullopt;
  return get(sock, ifindex, nullptr);
}

std::vector<Link> list_links(Socket& sock) {
  nl_cache* raw = nullptr;
  int rc = 0;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    rc = rtnl_link_alloc_cache(sock.request(), AF_UNSPEC, &raw);
    if (rc != -NLE_DUMP_INTR) break;
  }
  sock.check(rc, "list links", "");
  CachePtr cache(raw);
  std::vector<Link> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    nl_object_get(o);  // the cache keeps its own reference
    out.emplace_back(LinkPtr(reinterpret_cast<rtnl_link*>(o)));
  }
  return out;
}

void set_up(Socket& sock, const LinkRef& link) {
  auto c = alloc_link();
  rtnl_link_set_flags(c.get(), IFF_UP);
  change(sock, link, c.get(), "set link up");
}

void set_down(Socket& sock, const LinkRef& link) {
  auto c = alloc_link();
  rtnl_link_unset_flags(c.get(), IFF_UP);
  change(sock, link, c.get(), "set link down");
}

void set_mtu(Socket& sock, const LinkRef& link, int mtu) {
  const std::string op = "set MTU " + std::to_string(mtu) + " on";
  if (mtu <= 0) {
    throw Error(Code::InvalidConfig, op + " " + describe_link(sock, link) + ": not positive");
  }
  auto c = alloc_link();
  rtnl_link_set_mtu(c.get(), static_cast<unsigned>(mtu));
  change(sock, link, c.get(), op);
}

void set_mac(Socket& sock, const LinkRef& link, std::string_view mac) {
  const std::string op = "set MAC " + std::string(mac) + " on";
  const auto bytes = parse_mac(mac);
  if (!bytes) {
    throw Error(Code::InvalidConfig,
                op + " " + describe_link(sock, link) + ": not a MAC address (aa:bb:cc:dd:ee:ff)");
  }
  NlAddrPtr addr(nl_addr_build(AF_LLC, bytes->data(), bytes->size()));
  if (!addr) throw Error(Code::Netlink, "allocate MAC address: out of memory");
  auto c = alloc_link();
  rtnl_link_set_addr(c.get(), addr.get());  // takes its own reference
  change(sock, link, c.get(), op);
}

namespace {
void set_flag(Socket& sock, const LinkRef& link, unsigned flag, bool on, const char* what) {
  auto c = alloc_link();
  if (on) {
    rtnl_link_set_flags(c.get(), flag);
  } else {
    rtnl_link_unset_flags(c.get(), flag);
  }
  change(sock, link, c.get(), std::string("set ") + what + (on ? " on" : " off") + " for");
}
}  // namespace

void set_promisc(Socket& sock, const LinkRef& link, bool on) {
  set_flag(sock, link, IFF_PROMISC, on, "promiscuous mode");
}

void set_allmulti(Socket& sock, const LinkRef& link, bool on) {
  set_flag(sock, link, IFF_ALLMULTI, on, "all-multicast mode");
}

void set_txqlen(Socket& sock, const LinkRef& link, std::uint32_t txqlen) {
  auto c = alloc_link();
  rtnl_link_set_txqlen(c.get(), txqlen);
  change(sock, link, c.get(), "set txqlen " + std::to_string(txqlen) + " on");
}

void rename(Socket& sock, const LinkRef& link, std::string_view new_name) {
  const std::string n(new_name);
  if (!valid_name(n)) {
    throw Error(Code::InvalidConfig, "rename " + describe_link(sock, link) + " to \"" + n +
                                         "\": interface names are 1 to 15 bytes");
  }
  auto c = alloc_link();
  rtnl_link_set_name(c.get(), n.c_str());
  change(sock, link, c.get(), "rename", " to " + n);
}

void move_to_netns(Socket& sock, const LinkRef& link, const netns::Handle& ns) {
  auto c = alloc_link();
  rtnl_link_set_ns_fd(c.get(), ns.fd());
  change(sock, link, c.get(), "move", " to netns " + ns.path());
}

void set_master(Socket& sock, const LinkRef& link, int master_index) {
  auto c = alloc_link();
  rtnl_link_set_master(c.get(), master_index);
  if (master_index > 0) {
    change(sock, link, c.get(), "set master of", " to ifindex " + std::to_string(master_index));
  } else {
    change(sock, link, c.get(), "release", " from its master");
  }
}

bool remove_link(Socket& sock, const LinkRef& link) {
  if (link.index <= 0) return false;
  auto c = alloc_link();
  rtnl_link_set_ifindex(c.get(), link.index);
  const int rc = rtnl_link_delete(sock.request(), c.get());
  if (rc < 0) {
    if (is_gone(rc)) return false;
    fail_link(sock, rc, "delete link", link);
  }
  return true;
}

bool remove_link(Socket& sock, std::string_view name) {
  if (!valid_name(name)) return false;
  const std::string n(name);
  auto c = alloc_link();
  rtnl_link_set_name(c.get(), n.c_str());
  const int rc = rtnl_link_delete(sock.request(), c.get());
  if (rc < 0) {
    if (is_gone(rc)) return false;
    sock.fail(rc, "delete link", n);
  }
  return true;
}

}  // namespace cni::nl

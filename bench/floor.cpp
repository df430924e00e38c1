// cni-bench-floor: the floor of one CNI call. It performs the kernel and file-system work of one
// bridge or veth/ptp ADD or DEL (with host-local's reservation files) and nothing else: no CNI
// protocol (stdin is ignored, nothing is printed), no configuration parsing, no logging, no
// second process, no libraries but libc, raw rtnetlink. bench/run times it with the same
// driver as the plugins, one process per call, so "ours / floor" says how far a plugin is from
// what the kernel and the file system cost.
//
// Environment: CNI_COMMAND (ADD or DEL), CNI_NETNS, CNI_IFNAME, CNI_CONTAINERID as a runtime
// sets them; FLOOR_MODE: bridge (cnibr0, 10.210.0.0/16, isGateway), ptp4 (10.200.0.0/16) or
// ptp46 (10.201.0.0/16 and fd20:1::/64) matching bench/run's configs; FLOOR_DATA: host-local's
// dataDir for the case.
//
// ADD, bridge:
//   open the container netns; rtnetlink socket in the host netns;
//   bridge: RTM_GETLINK by name; when missing, RTM_NEWLINK (up), accept_ra=0, MAC pinned, and
//     RTM_GETLINK again (first call only);
//   RTM_NEWLINK veth: host end vethXXXXXXXX (random) up and enslaved to the bridge, peer born in
//     the container netns (one request);
//   host-local: <data>/<network>/ created, lock file flock'ed, last_reserved_ip.0 read, the next
//     address taken with O_CREAT|O_EXCL (content "<id>\r\n<ifname>", as host-local writes),
//     last_reserved_ip.0 rewritten, and one owner file "<id>@<ifname>" holding the address (the
//     least a DEL needs to find the reservation without reading every file);
//   setns into the container; rtnetlink socket there; RTM_GETLINK eth0 (index, MAC);
//     arp_notify=1 and ndisc_notify=1; RTM_NEWADDR; RTM_SETLINK up;
//   setns back; RTM_NEWADDR gateway /16 on the bridge (EEXIST is fine); ip_forward read (and
//     written when 0);
//   wait for the host end's operstate UP (RTM_GETLINK, then link events until it is), then
//     RTM_SETLINK of eth0's own MAC in the container (the kernel announces the address).
// ADD, ptp4 / ptp46:
//   veth pair created as above without a master (host end up at once for ptp4; for ptp46 down,
//   accept_ra=0 and accept_dad=0 on it, then up); host-local as above per family; in the
//   container: accept_dad=0 (ptp46), address(es) with IFA_F_NOPREFIXROUTE (and NODAD), link up,
//   per family the routes "<gw>/32 dev eth0 scope link src <ip>" and "<subnet> via <gw> src
//   <ip>"; in the host: per family the gateway /32 (/128) on the host end and the route
//   "<ip>/32 dev vethX scope host"; forwarding read (and written when 0).
// DEL (all modes): host-local: lock, the owner file read, the reservation file(s) and the owner
//   file removed; setns into the container, RTM_DELLINK eth0 (the host end goes with it).
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what, int err = 0) {
  std::fprintf(stderr, "cni-bench-floor: %s%s%s\n", what.c_str(), err ? ": " : "",
               err ? std::strerror(err) : "");
  std::exit(1);
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) die(std::string(name) + " is not set");
  return v;
}

// The <linux/netlink.h> and <linux/rtnetlink.h> macros use C casts: these do their work.
constexpr size_t align4(size_t n) {
  return (n + 3) & ~size_t{3};
}
constexpr size_t kHdr = align4(sizeof(nlmsghdr));
template <class T>
T* payload(nlmsghdr* h) {
  return reinterpret_cast<T*>(reinterpret_cast<char*>(h) + kHdr);
}
void* attr_data(rtattr* a) {
  return reinterpret_cast<char*>(a) + align4(sizeof(rtattr));
}
size_t attr_payload(const rtattr* a) {
  return a->rta_len - align4(sizeof(rtattr));
}

// Calls f(h) for each message in buf[0, len).
template <class F>
void each_message(char* buf, size_t len, F f) {
  for (size_t at = 0; at + sizeof(nlmsghdr) <= len;) {
    auto* h = reinterpret_cast<nlmsghdr*>(buf + at);
    if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > len - at) return;
    f(h);
    at += align4(h->nlmsg_len);
  }
}

// Calls f(a) for each attribute in [begin, begin + len).
template <class F>
void each_attr(char* begin, size_t len, F f) {
  for (size_t at = 0; at + sizeof(rtattr) <= len;) {
    auto* a = reinterpret_cast<rtattr*>(begin + at);
    if (a->rta_len < sizeof(rtattr) || a->rta_len > len - at) return;
    f(a);
    at += align4(a->rta_len);
  }
}

// One rtnetlink request under construction.
class Msg {
 public:
  Msg(uint16_t type, uint16_t flags) {
    h()->nlmsg_len = kHdr;
    h()->nlmsg_type = type;
    h()->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  }
  nlmsghdr* h() { return reinterpret_cast<nlmsghdr*>(buf_); }
  template <class T>
  T* header() {
    auto* p = reinterpret_cast<T*>(tail());
    h()->nlmsg_len += align4(sizeof(T));
    return p;
  }
  void attr(uint16_t type, const void* data, size_t len) {
    auto* a = reinterpret_cast<rtattr*>(tail());
    a->rta_type = type;
    a->rta_len = static_cast<uint16_t>(align4(sizeof(rtattr)) + len);
    if (len) std::memcpy(attr_data(a), data, len);
    h()->nlmsg_len += align4(a->rta_len);
  }
  void attr(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  template <class T>
  void attr_v(uint16_t type, T v) {
    attr(type, &v, sizeof v);
  }
  rtattr* nest(uint16_t type) {
    auto* a = reinterpret_cast<rtattr*>(tail());
    attr(type, nullptr, 0);
    return a;
  }
  void end(rtattr* a) { a->rta_len = static_cast<uint16_t>(tail() - reinterpret_cast<char*>(a)); }

 private:
  char* tail() { return buf_ + align4(h()->nlmsg_len); }
  alignas(nlmsghdr) char buf_[2048] = {};
};

struct LinkInfo {
  int index = 0;
  unsigned char mac[6] = {};
  uint8_t oper = 0;
};

class Netlink {
 public:
  explicit Netlink(unsigned groups = 0) {
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) die("netlink socket", errno);
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = groups;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) die("netlink bind", errno);
  }
  ~Netlink() { close(fd_); }
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  // Sends the request and returns 0 or the kernel's -errno; a link in the answer fills *link.
  int talk(Msg& m, LinkInfo* link = nullptr) {
    m.h()->nlmsg_seq = ++seq_;
    if (send(fd_, m.h(), m.h()->nlmsg_len, 0) < 0) die("netlink send", errno);
    for (;;) {
      const ssize_t n = recv(fd_, buf_, sizeof buf_, 0);
      if (n < 0) die("netlink recv", errno);
      int error = 1;  // no answer yet
      each_message(buf_, static_cast<size_t>(n), [&](nlmsghdr* h) {
        if (h->nlmsg_seq != seq_) return;
        if (h->nlmsg_type == NLMSG_ERROR) error = payload<nlmsgerr>(h)->error;
        if (h->nlmsg_type == RTM_NEWLINK && link) parse_link(h, *link);
      });
      if (error <= 0) return error;
    }
  }

  // Waits for a link event saying `index` is operationally up (a socket bound to RTMGRP_LINK).
  void wait_up(int index) {
    for (;;) {
      const ssize_t n = recv(fd_, buf_, sizeof buf_, 0);
      if (n < 0) die("netlink recv", errno);
      bool up = false;
      each_message(buf_, static_cast<size_t>(n), [&](nlmsghdr* h) {
        if (h->nlmsg_type != RTM_NEWLINK) return;
        LinkInfo l;
        parse_link(h, l);
        if (l.index == index) up = l.oper == IF_OPER_UP;
      });
      if (up) return;
    }
  }

  static void parse_link(nlmsghdr* h, LinkInfo& out) {
    auto* ifi = payload<ifinfomsg>(h);
    out.index = ifi->ifi_index;
    const size_t skip = kHdr + align4(sizeof(ifinfomsg));
    if (h->nlmsg_len < skip) return;
    each_attr(reinterpret_cast<char*>(h) + skip, h->nlmsg_len - skip, [&](rtattr* a) {
      if (a->rta_type == IFLA_ADDRESS && attr_payload(a) == 6)
        std::memcpy(out.mac, attr_data(a), 6);
      if (a->rta_type == IFLA_OPERSTATE) out.oper = *static_cast<uint8_t*>(attr_data(a));
    });
  }

 private:
  int fd_ = -1;
  uint32_t seq_ = 0;
  alignas(nlmsghdr) char buf_[32768];
};

std::optional<LinkInfo> get_link(Netlink& nl, const std::string& name) {
  Msg m(RTM_GETLINK, 0);
  m.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  m.attr(IFLA_IFNAME, name);
  LinkInfo l;
  const int rc = nl.talk(m, &l);
  if (rc == -ENODEV) return std::nullopt;
  if (rc < 0) die("get link " + name, -rc);
  return l;
}

void set_link(Netlink& nl, int index, unsigned up, const unsigned char* mac = nullptr) {
  Msg m(RTM_NEWLINK, 0);
  auto* ifi = m.header<ifinfomsg>();
  ifi->ifi_index = index;
  ifi->ifi_flags = up;
  ifi->ifi_change = up;
  if (mac) m.attr(IFLA_ADDRESS, mac, 6);
  if (const int rc = nl.talk(m); rc < 0) die("set link", -rc);
}

struct Addr {
  int family = AF_INET;
  unsigned char bytes[16] = {};
  int len() const { return family == AF_INET ? 4 : 16; }
  int bits() const { return len() * 8; }
};

Addr parse(const char* text) {
  Addr a;
  a.family = std::strchr(text, ':') ? AF_INET6 : AF_INET;
  if (inet_pton(a.family, text, a.bytes) != 1) die(std::string("bad address ") + text);
  return a;
}

std::string text(const Addr& a) {
  char s[INET6_ADDRSTRLEN];
  inet_ntop(a.family, a.bytes, s, sizeof s);
  return s;
}

void add_addr(Netlink& nl, int index, const Addr& a, int plen, uint32_t flags, bool exist_ok) {
  Msg m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = m.header<ifaddrmsg>();
  ifa->ifa_family = static_cast<uint8_t>(a.family);
  ifa->ifa_prefixlen = static_cast<uint8_t>(plen);
  ifa->ifa_index = static_cast<uint32_t>(index);
  m.attr(IFA_LOCAL, a.bytes, static_cast<size_t>(a.len()));
  m.attr(IFA_ADDRESS, a.bytes, static_cast<size_t>(a.len()));
  if (flags) m.attr_v<uint32_t>(IFA_FLAGS, flags);
  const int rc = nl.talk(m);
  if (rc < 0 && !(exist_ok && rc == -EEXIST)) die("add address " + text(a), -rc);
}

void add_route(Netlink& nl, const Addr& dst, int plen, int index, const Addr* gw, const Addr* src,
               uint8_t scope) {
  Msg m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  auto* rt = m.header<rtmsg>();
  rt->rtm_family = static_cast<uint8_t>(dst.family);
  rt->rtm_dst_len = static_cast<uint8_t>(plen);
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = scope;
  rt->rtm_type = RTN_UNICAST;
  m.attr(RTA_DST, dst.bytes, static_cast<size_t>(dst.len()));
  m.attr_v<uint32_t>(RTA_OIF, static_cast<uint32_t>(index));
  if (gw) m.attr(RTA_GATEWAY, gw->bytes, static_cast<size_t>(gw->len()));
  if (src) m.attr(RTA_PREFSRC, src->bytes, static_cast<size_t>(src->len()));
  if (const int rc = nl.talk(m); rc < 0) die("add route to " + text(dst), -rc);
}

// /proc/sys/<key>: the value's first byte ('\0' when unreadable), and a write.
char read_sysctl(const std::string& key) {
  const int fd = open(("/proc/sys/" + key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return '\0';
  char c = '\0';
  if (read(fd, &c, 1) != 1) c = '\0';
  close(fd);
  return c;
}

void write_sysctl(const std::string& key, const char* value) {
  const int fd = open(("/proc/sys/" + key).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("open " + key, errno);
  if (write(fd, value, std::strlen(value)) < 0) die("write " + key, errno);
  close(fd);
}

void enter(int nsfd) {
  if (setns(nsfd, CLONE_NEWNET) != 0) die("setns", errno);
}

// host-local's files for one network directory, under its lock.
class Store {
 public:
  Store(const std::string& data, const std::string& network) {
    mkdir(data.c_str(), 0755);
    const std::string dir = data + "/" + network;
    mkdir(dir.c_str(), 0755);
    dir_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_ < 0) die("open " + dir, errno);
    lock_ = openat(dir_, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (lock_ < 0 || flock(lock_, LOCK_EX) != 0) die("lock " + dir, errno);
  }
  ~Store() {
    close(lock_);
    close(dir_);
  }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::string read(const std::string& name) const {
    const int fd = openat(dir_, name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char b[256];
    const ssize_t n = ::read(fd, b, sizeof b);
    close(fd);
    return n > 0 ? std::string(b, static_cast<size_t>(n)) : std::string();
  }
  void write(const std::string& name, const std::string& content, bool exclusive) const {
    const int fd = openat(dir_, name.c_str(),
                          O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), 0600);
    if (fd < 0) {
      if (exclusive && errno == EEXIST) throw EEXIST;
      die("create " + name, errno);
    }
    if (::write(fd, content.data(), content.size()) < 0) die("write " + name, errno);
    close(fd);
  }
  void remove(const std::string& name) const { unlinkat(dir_, name.c_str(), 0); }

  // The next free address after last_reserved_ip.<set> (from `first` when there is none).
  Addr reserve(int set, const Addr& first, const std::string& owner) {
    const std::string last_name = "last_reserved_ip." + std::to_string(set);
    const std::string last = read(last_name);
    Addr a = last.empty() ? first : parse(last.c_str());
    for (bool fresh = last.empty();; fresh = false) {
      if (!fresh) {
        for (int i = a.len() - 1; i >= 0 && ++a.bytes[i] == 0; --i) {
        }
      }
      try {
        write(text(a), owner, true);
        break;
      } catch (int) {
      }
    }
    write(last_name, text(a), false);
    return a;
  }

 private:
  int dir_ = -1;
  int lock_ = -1;
};

struct Range {
  Addr first;  // the first address handed out (gateway + 1)
  Addr gw;
  Addr subnet;
  int plen;
};

std::string random_veth_name() {
  uint32_t r = 0;
  if (getrandom(&r, sizeof r, 0) != sizeof r) die("getrandom", errno);
  char name[16];
  std::snprintf(name, sizeof name, "veth%08x", r);
  return name;
}

// Creates the pair: host end `host_name` (up, enslaved to `master` when not 0), peer `ifname`
// born inside `peer_ns`.
void create_veth(Netlink& nl, const std::string& host_name, const std::string& ifname, int peer_ns,
                 bool up, int master) {
  Msg m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifi = m.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  if (up) ifi->ifi_flags = ifi->ifi_change = IFF_UP;
  m.attr(IFLA_IFNAME, host_name);
  if (master) m.attr_v<uint32_t>(IFLA_MASTER, static_cast<uint32_t>(master));
  rtattr* info = m.nest(IFLA_LINKINFO);
  m.attr(IFLA_INFO_KIND, "veth", 4);
  rtattr* data = m.nest(IFLA_INFO_DATA);
  rtattr* peer = m.nest(VETH_INFO_PEER);
  m.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  m.attr(IFLA_IFNAME, ifname);
  m.attr_v<uint32_t>(IFLA_NET_NS_FD, static_cast<uint32_t>(peer_ns));
  m.end(peer);
  m.end(data);
  m.end(info);
  if (const int rc = nl.talk(m); rc < 0) die("create veth " + host_name, -rc);
}

void add(const std::string& mode, int host_ns, int cont_ns, const std::string& id,
         const std::string& ifname, const std::string& data) {
  const bool bridge = mode == "bridge";
  std::vector<Range> ranges;
  if (bridge) {
    ranges.push_back({parse("10.210.0.2"), parse("10.210.0.1"), parse("10.210.0.0"), 16});
  } else if (mode == "ptp4") {
    ranges.push_back({parse("10.200.0.2"), parse("10.200.0.1"), parse("10.200.0.0"), 16});
  } else if (mode == "ptp46") {
    ranges.push_back({parse("10.201.0.2"), parse("10.201.0.1"), parse("10.201.0.0"), 16});
    ranges.push_back({parse("fd20:1::2"), parse("fd20:1::1"), parse("fd20:1::"), 64});
  } else {
    die("FLOOR_MODE must be bridge, ptp4 or ptp46");
  }
  const bool dual = ranges.size() > 1;
  Netlink host;
  int br = 0;
  if (bridge) {
    auto b = get_link(host, "cnibr0");
    if (!b) {
      Msg m(RTM_NEWLINK, NLM_F_CREATE);
      auto* ifi = m.header<ifinfomsg>();
      ifi->ifi_flags = ifi->ifi_change = IFF_UP;
      m.attr(IFLA_IFNAME, std::string("cnibr0"));
      rtattr* info = m.nest(IFLA_LINKINFO);
      m.attr(IFLA_INFO_KIND, "bridge", 6);
      m.end(info);
      if (const int rc = host.talk(m); rc < 0 && rc != -EEXIST) die("create bridge", -rc);
      b = get_link(host, "cnibr0");
      if (!b) die("bridge cnibr0 vanished");
      if (read_sysctl("net/ipv6/conf/cnibr0/accept_ra") != '0')
        write_sysctl("net/ipv6/conf/cnibr0/accept_ra", "0");
      set_link(host, b->index, IFF_UP, b->mac);
    }
    br = b->index;
  }
  const std::string veth = random_veth_name();
  if (dual) {
    create_veth(host, veth, ifname, cont_ns, false, 0);
  } else {
    create_veth(host, veth, ifname, cont_ns, true, br);
  }

  std::vector<Addr> ips;
  {
    Store store(data, bridge ? "benchbr" : "bench-ptp");
    const std::string owner = id + "\r\n" + ifname;
    std::string list;
    for (size_t i = 0; i < ranges.size(); ++i) {
      ips.push_back(store.reserve(static_cast<int>(i), ranges[i].first, owner));
      list += text(ips.back()) + "\n";
    }
    store.write(id + "@" + ifname, list, false);
  }

  // The container's side.
  enter(cont_ns);
  {
    Netlink cont;
    auto l = get_link(cont, ifname);
    if (!l) die(ifname + " not found in the container");
    if (bridge) {
      write_sysctl("net/ipv4/conf/" + ifname + "/arp_notify", "1");
      write_sysctl("net/ipv6/conf/" + ifname + "/ndisc_notify", "1");
      add_addr(cont, l->index, ips[0], ranges[0].plen, 0, false);
      set_link(cont, l->index, IFF_UP);
    } else {
      if (dual) write_sysctl("net/ipv6/conf/" + ifname + "/accept_dad", "0");
      for (size_t i = 0; i < ips.size(); ++i) {
        add_addr(cont, l->index, ips[i], ranges[i].plen,
                 IFA_F_NOPREFIXROUTE | (ips[i].family == AF_INET6 ? IFA_F_NODAD : 0), false);
      }
      set_link(cont, l->index, IFF_UP);
      for (size_t i = 0; i < ips.size(); ++i) {
        add_route(cont, ranges[i].gw, ranges[i].gw.bits(), l->index, nullptr, &ips[i],
                  RT_SCOPE_LINK);
        add_route(cont, ranges[i].subnet, ranges[i].plen, l->index, &ranges[i].gw, &ips[i],
                  RT_SCOPE_UNIVERSE);
      }
    }
    enter(host_ns);
    if (bridge) {
      Netlink events(RTMGRP_LINK);  // subscribed before looking, so no event is missed
      add_addr(host, br, ranges[0].gw, ranges[0].plen, 0, true);
      if (read_sysctl("net/ipv4/ip_forward") != '1') write_sysctl("net/ipv4/ip_forward", "1");
      auto port = get_link(host, veth);
      if (!port) die(veth + " vanished");
      if (port->oper != IF_OPER_UP) events.wait_up(port->index);
      set_link(cont, l->index, IFF_UP, l->mac);  // the announcement
    } else {
      if (dual) {
        write_sysctl("net/ipv6/conf/" + veth + "/accept_ra", "0");
        write_sysctl("net/ipv6/conf/" + veth + "/accept_dad", "0");
      }
      auto h = get_link(host, veth);
      if (!h) die(veth + " vanished");
      if (dual) set_link(host, h->index, IFF_UP);
      for (size_t i = 0; i < ips.size(); ++i) {
        add_addr(host, h->index, ranges[i].gw, ranges[i].gw.bits(), IFA_F_NODAD, true);
        add_route(host, ips[i], ips[i].bits(), h->index, nullptr, nullptr, RT_SCOPE_HOST);
      }
      if (read_sysctl("net/ipv4/ip_forward") != '1') write_sysctl("net/ipv4/ip_forward", "1");
      if (dual && read_sysctl("net/ipv6/conf/all/forwarding") != '1')
        write_sysctl("net/ipv6/conf/all/forwarding", "1");
    }
  }
}

void del(const std::string& mode, int cont_ns, const std::string& id, const std::string& ifname,
         const std::string& data) {
  {
    Store store(data, mode == "bridge" ? "benchbr" : "bench-ptp");
    const std::string owner_file = id + "@" + ifname;
    const std::string list = store.read(owner_file);
    for (size_t at = 0, nl; (nl = list.find('\n', at)) != std::string::npos; at = nl + 1)
      store.remove(list.substr(at, nl - at));
    store.remove(owner_file);
  }
  enter(cont_ns);
  Netlink cont;
  Msg m(RTM_DELLINK, 0);
  m.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  m.attr(IFLA_IFNAME, ifname);
  if (const int rc = cont.talk(m); rc < 0 && rc != -ENODEV) die("delete " + ifname, -rc);
}

}  // namespace

int main() {
  const std::string command = env("CNI_COMMAND");
  const std::string mode = env("FLOOR_MODE");
  const std::string data = env("FLOOR_DATA");
  const std::string id = env("CNI_CONTAINERID");
  const std::string ifname = env("CNI_IFNAME");
  const int cont_ns = open(env("CNI_NETNS").c_str(), O_RDONLY | O_CLOEXEC);
  if (cont_ns < 0) die("open CNI_NETNS", errno);
  if (command == "ADD") {
    const int host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host_ns < 0) die("open /proc/self/ns/net", errno);
    add(mode, host_ns, cont_ns, id, ifname, data);
  } else if (command == "DEL") {
    del(mode, cont_ns, id, ifname, data);
  } else {
    die("CNI_COMMAND must be ADD or DEL");
  }
  return 0;
}

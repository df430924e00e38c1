#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netlink/handle.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"

namespace cni::nl {

/// RFC 2863 operational state (IF_OPER_* of linux/if.h, which clashes with <net/if.h>).
enum class OperState : std::uint8_t {
  Unknown = 0,  // drivers that do not track it (dummy, lo) report this while up
  NotPresent = 1,
  Down = 2,
  LowerLayerDown = 3,
  Testing = 4,
  Dormant = 5,
  Up = 6,
};

/// A snapshot of one link as the kernel reported it (an owned reference to an rtnl_link).
/// Changes made afterwards are not reflected: look the link up again to see them. Copies share
/// the same immutable snapshot.
class Link {
 public:
  /// Takes ownership of one reference.
  explicit Link(LinkPtr link) noexcept : link_(std::move(link)) {}
  Link(const Link& o);
  Link& operator=(const Link& o);
  Link(Link&&) noexcept = default;
  Link& operator=(Link&&) noexcept = default;
  ~Link() = default;

  std::string name() const;
  int index() const;
  /// IFF_* flags (net/if.h).
  unsigned flags() const;
  /// Administratively up (IFF_UP).
  bool is_up() const;
  int mtu() const;
  /// Promiscuous mode as requested by users (IFF_PROMISC as rtnetlink reports it).
  bool is_promisc() const;
  /// All-multicast mode as requested by users (IFF_ALLMULTI as rtnetlink reports it).
  bool is_allmulti() const;
  /// The transmit queue length (IFLA_TXQLEN).
  std::uint32_t txqlen() const;
  /// "aa:bb:cc:dd:ee:ff" (lowercase), or "" when the link has no hardware address.
  std::string mac() const;
  /// The rtnl link kind ("veth", "bridge", "dummy", ...), "" when the kernel reports none (lo,
  /// physical devices).
  std::string kind() const;
  /// ifindex of the master (a bridge), if enslaved.
  std::optional<int> master() const;
  OperState oper_state() const;
  /// IFLA_LINK: for a veth the peer's ifindex (in the peer's namespace, see link_netnsid()),
  /// for a VLAN its parent; nullopt when the kernel reports none.
  std::optional<int> peer_index() const;
  /// IFLA_LINK_NETNSID: the id, in this link's namespace, of the namespace peer_index() lives
  /// in; nullopt when it is the same namespace.
  std::optional<int> link_netnsid() const;

  /// The libnl object, still owned by this Link.
  rtnl_link* raw() const noexcept { return link_.get(); }

 private:
  LinkPtr link_;
};

/// Names a link in a change request: its ifindex, plus the name when known (messages only).
/// Implicit from an ifindex or a Link, so set_up(sock, 3) and set_up(sock, link) both work.
struct LinkRef {
  LinkRef(int ifindex) noexcept : index(ifindex) {}  // NOLINT(google-explicit-constructor)
  LinkRef(const Link& link) : index(link.index()), name(link.name()) {}  // NOLINT
  LinkRef(int ifindex, std::string link_name) : index(ifindex), name(std::move(link_name)) {}

  int index;
  std::string name;  // "" when unknown
};

/// A name for error messages: ref.name, else the name looked up on `sock`, else "ifindex N".
/// Never throws cni::Error. Sends a request when the name is unknown, which resets
/// sock.kernel_error(): copy that first.
std::string describe_link(Socket& sock, const LinkRef& ref);

/// Throws the cni::Error for a failed request about a link: "<op> <link><suffix>: <reason>"
/// (e.g. op "rename", suffix " to eth1"), with the kernel's reason from sock.
[[noreturn]] void fail_link(Socket& sock, int rc, std::string_view op, const LinkRef& ref,
                            std::string_view suffix = {});

/// Looks a link up by name in the socket's namespace (one RTM_GETLINK, no dump); nullopt when
/// there is none, also for names no link can have (empty, longer than 15 bytes).
std::optional<Link> find_link(Socket& sock, std::string_view name);
/// Looks a link up by ifindex in the socket's namespace; nullopt when there is none.
std::optional<Link> find_link(Socket& sock, int ifindex);
/// Every link in the socket's namespace (a dump, restarted if a concurrent change interrupts
/// it; cni::Error(TryAgainLater) if that keeps happening).
std::vector<Link> list_links(Socket& sock);

// Changes to a link in the socket's namespace. Each is one request acknowledged by the kernel;
// errors name the operation and the link ("set link up eth0: No such device").

/// Sets IFF_UP.
void set_up(Socket& sock, const LinkRef& link);
/// Clears IFF_UP.
void set_down(Socket& sock, const LinkRef& link);
/// Sets the MTU.
void set_mtu(Socket& sock, const LinkRef& link, int mtu);
/// Sets the hardware address, given as "aa:bb:cc:dd:ee:ff" (or with '-'); throws
/// cni::Error(InvalidConfig) on a malformed one.
void set_mac(Socket& sock, const LinkRef& link, std::string_view mac);
/// Turns promiscuous mode on or off (IFF_PROMISC through rtnetlink, as `ip link set promisc`:
/// the kernel keeps a user flag, so setting it twice counts once).
void set_promisc(Socket& sock, const LinkRef& link, bool on);
/// Turns all-multicast mode on or off (IFF_ALLMULTI, as `ip link set allmulticast`).
void set_allmulti(Socket& sock, const LinkRef& link, bool on);
/// Sets the transmit queue length (IFLA_TXQLEN).
void set_txqlen(Socket& sock, const LinkRef& link, std::uint32_t txqlen);
/// Renames the link. Throws cni::Error(InvalidConfig) for a name that is empty or longer than
/// 15 bytes; the kernel refuses names in use ("File exists") and may refuse while up.
void rename(Socket& sock, const LinkRef& link, std::string_view new_name);
/// Moves the link from the socket's namespace into `ns` (IFLA_NET_NS_FD). The link keeps its
/// name and gets a new ifindex there; it goes down. Slow under the kernel's RTNL lock: prefer
/// creating links in place.
void move_to_netns(Socket& sock, const LinkRef& link, const netns::Handle& ns);
/// Enslaves the link to `master_index` (a bridge), or releases it when master_index is 0.
void set_master(Socket& sock, const LinkRef& link, int master_index);
/// Deletes the link (for a veth, also its peer); false when it was already gone.
bool remove_link(Socket& sock, const LinkRef& link);
/// Deletes the link by name (one request, no lookup); false when there is no such link.
bool remove_link(Socket& sock, std::string_view name);

}  // namespace cni::nl

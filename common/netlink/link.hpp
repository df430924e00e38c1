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

/// A snapshot of one link as the kernel reported it (an owned rtnl_link). Re-read it after a
/// change to see the new state.
class Link {
 public:
  explicit Link(LinkPtr link) : link_(std::move(link)) {}

  std::string name() const;
  int index() const;
  unsigned flags() const;
  bool is_up() const;  // administratively up (IFF_UP)
  int mtu() const;
  /// "aa:bb:cc:dd:ee:ff", or "" when the link has no hardware address.
  std::string mac() const;
  /// The rtnl link kind ("veth", "bridge", "dummy", ...), "" when the kernel reports none.
  std::string kind() const;
  /// ifindex of the master (bridge) or 0.
  int master() const;
  /// IF_OPER_* (linux/if.h): IF_OPER_UP = 6.
  std::uint8_t oper_state() const;
  /// For a veth: the peer's ifindex (in the peer's namespace), else 0.
  int peer_index() const;

  rtnl_link* raw() const noexcept { return link_.get(); }

 private:
  LinkPtr link_;
};

/// Looks a link up by name in the socket's namespace; nullopt when there is none. One request,
/// no cache dump.
std::optional<Link> find_link(Socket& sock, std::string_view name);
/// Looks a link up by ifindex; nullopt when there is none.
std::optional<Link> find_link(Socket& sock, int ifindex);
/// Every link in the socket's namespace.
std::vector<Link> list_links(Socket& sock);

/// Administrative state. Errors name the link.
void set_up(Socket& sock, const Link& link);
void set_down(Socket& sock, const Link& link);
void set_mtu(Socket& sock, const Link& link, int mtu);
/// `mac` as "aa:bb:cc:dd:ee:ff"; throws cni::Error(InvalidConfig) on a malformed one.
void set_mac(Socket& sock, const Link& link, std::string_view mac);
/// Renames the link (the kernel refuses while it is up).
void rename(Socket& sock, const Link& link, std::string_view new_name);
/// Moves the link into `ns`. Slow under the kernel's RTNL lock: prefer creating links in place.
void move_to_netns(Socket& sock, const Link& link, const netns::Handle& ns);
/// Deletes the link; false when it was already gone.
bool remove_link(Socket& sock, const Link& link);

}  // namespace cni::nl

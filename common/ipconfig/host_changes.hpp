#pragma once

#include <functional>
#include <string>
#include <vector>

#include "net/ip.hpp"
#include "netlink/socket.hpp"
#include "netns/namespace_lock.hpp"

namespace cni::ipconfig {

/// What an ADD changes on the host that other attachments may come to share: a bridge it
/// created, a gateway address it added to an existing link, forwarding it switched on, a
/// firewall table it created. A failed ADD must change nothing, but must never take such an
/// object from a container that came to use it meanwhile: give_back() decides under the host
/// namespace's lock held exclusively (netns/namespace_lock.hpp), after the ADD's own links are
/// gone, and gives back each change only if nothing else uses it:
///   - a bridge it created: when no port is left on it (its addresses and sysctls go with it);
///   - an address it added: when the link it is on has no bridge port (nor is one) left
///     besides those this ADD made;
///   - forwarding it switched on: when the namespace holds no veth any more;
///   - the masquerade or spoof-check table it created: when no rule of any attachment is in it.
/// Everything acts in the calling thread's namespace: the host's.
class HostChanges {
 public:
  /// Takes the host namespace's lock shared, for the ADD's whole life (see NamespaceLock).
  HostChanges();

  /// A bridge this ADD created (ensure_bridge said so).
  void created_bridge(int ifindex);
  /// A link this ADD created on the bridge for itself (the VLAN gateway pair's host end):
  /// deleted with the bridge's other shared state, and not counted as a user of it.
  void created_own_port(int bridge_ifindex, int ifindex);
  /// An address this ADD added to an existing link.
  void added_address(int ifindex, const net::Prefix& prefix);
  /// Writes a sysctl of the namespace (forwarding), recording the value it replaced.
  void write_sysctl(const std::string& key, const std::string& value);
  /// Turns forwarding on for the families of the addresses in `families` (v4, v6).
  void enable_forwarding(bool v4, bool v6);
  /// Records the masquerade / spoof-check table as created when it did not exist before
  /// (call right before the ADD's first rule goes in).
  void note_masquerade_table();
  void note_spoofcheck_table();

  /// Undoes what nothing else uses, newest first; failures are logged, never thrown. Call
  /// from the ADD's rollback, after its own links and rules are gone.
  void give_back(nl::Socket& host) noexcept;

 private:
  netns::NamespaceLock lock_;
  std::vector<std::function<void(nl::Socket&)>> steps_;
  std::vector<int> own_ports_;  // links this ADD put on a bridge for itself
};

}  // namespace cni::ipconfig

#pragma once

// veth pairs created with each end born in its final namespace: one RTM_NEWLINK from the host
// namespace creates the host end there and the peer directly inside the peer namespace
// (IFLA_NET_NS_FD inside VETH_INFO_PEER), so no link ever moves between namespaces (a move
// costs an rcu_barrier() under the kernel's RTNL lock).

#include <string>

#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"

namespace cni::nl {

/// "veth" + 8 lowercase hex digits from getrandom(2), as the reference's RandomVethName (the
/// "veth" prefix makes NetworkManager ignore the link). Throws cni::Error(System) if the
/// kernel has no randomness to give.
std::string random_veth_name();

/// What to create. Names are 1 to 15 bytes.
struct VethSpec {
  std::string host_name;                   // created in the request socket's namespace
  std::string peer_name;                   // created in peer_ns
  const netns::Handle* peer_ns = nullptr;  // nullptr: the socket's own namespace
  int mtu = 0;                             // both ends; 0 = kernel default (1500)
  std::string peer_mac;                    // "aa:bb:cc:dd:ee:ff" (or '-'); "" = kernel's random
  bool host_up = false;                    // create the host end administratively up (the
                                           // peer cannot be: the kernel opens it before the
                                           // host end exists and answers ENOTCONN)
  int host_master = 0;                     // ifindex of a bridge to enslave the host end to
                                           // in the same request; 0 = none
};

/// How create_veth ended when the kernel did not refuse for another reason.
enum class VethOutcome {
  Created,
  HostNameExists,  // a link named host_name exists in the socket's namespace: pick another
  PeerNameExists,  // host_name is free, so peer_name is taken in peer_ns
};

/// Creates the pair with one RTM_NEWLINK (NLM_F_CREATE|NLM_F_EXCL) sent on `host_sock`: the
/// host end in host_sock's namespace, the peer inside spec.peer_ns, MTU on both ends, the MAC
/// and up state as asked. The kernel answers EEXIST for either name: on EEXIST this looks
/// host_name up on host_sock (one more request) to tell HostNameExists from PeerNameExists.
/// Throws cni::Error(InvalidConfig) for a bad name, MTU or MAC (before sending anything) and
/// cni::Error(Netlink) for any other refusal ("create veth vethX (peer eth0 in <ns>): ...").
VethOutcome create_veth(Socket& host_sock, const VethSpec& spec);

/// Both ends of a new pair, each looked up in its own namespace.
struct VethPair {
  Link host;
  Link peer;
};

/// create_veth with host_name = random_veth_name(), retried with a new name (up to 10 tries,
/// as the reference's makeVeth) while the host name is taken; spec.host_name is ignored.
/// `peer_sock` must be a socket in spec.peer_ns (or host_sock's namespace when peer_ns is
/// null): the peer is looked up there. Throws cni::Error(Netlink) when peer_name already
/// exists in the peer namespace ("... container interface eth0 already exists") or no free
/// host name was found, plus whatever create_veth throws.
VethPair create_veth_with_random_host_name(Socket& host_sock, Socket& peer_sock, VethSpec spec);

}  // namespace cni::nl

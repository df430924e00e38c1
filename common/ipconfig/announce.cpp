#include "ipconfig/announce.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

#include "sys/unique_fd.hpp"

namespace cni::ipconfig {

namespace {

using Mac = std::array<std::uint8_t, 6>;

std::optional<Mac> parse_mac(const std::string& text) {
  Mac m{};
  unsigned b[6];
  char tail = 0;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                  &b[5], &tail) != 6) {
    return std::nullopt;
  }
  for (int i = 0; i < 6; ++i)
    m[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(b[i]);
  return m;
}

// ARP request for our own address (sender = target = ip), broadcast: RFC 5227's announcement.
struct __attribute__((packed)) GratuitousArp {
  arphdr hdr;
  std::uint8_t sender_mac[6];
  std::uint8_t sender_ip[4];
  std::uint8_t target_mac[6];
  std::uint8_t target_ip[4];
};

void send_garp(int ifindex, const Mac& mac, const net::IpAddress& ip) {
  sys::UniqueFd fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP)));
  if (!fd) {
    spdlog::warn("announce {}: AF_PACKET socket: {}", ip.to_string(), std::strerror(errno));
    return;
  }
  GratuitousArp p{};
  p.hdr.ar_hrd = htons(ARPHRD_ETHER);
  p.hdr.ar_pro = htons(ETH_P_IP);
  p.hdr.ar_hln = 6;
  p.hdr.ar_pln = 4;
  p.hdr.ar_op = htons(ARPOP_REQUEST);
  std::memcpy(p.sender_mac, mac.data(), 6);
  std::memcpy(p.sender_ip, ip.bytes().data(), 4);
  std::memcpy(p.target_ip, ip.bytes().data(), 4);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  if (::sendto(fd.get(), &p, sizeof p, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
    spdlog::warn("announce {}: gratuitous ARP: {}", ip.to_string(), std::strerror(errno));
  }
}

// Unsolicited neighbour advertisement (RFC 4861 7.2.6) to all nodes, with the override flag
// and our MAC as target link-layer address. The kernel fills in the ICMPv6 checksum; the hop
// limit must be 255 or receivers drop it.
struct __attribute__((packed)) Advertisement {
  nd_neighbor_advert na;
  std::uint8_t opt_type;
  std::uint8_t opt_len;  // in units of 8 bytes
  std::uint8_t mac[6];
};

void send_na(int ifindex, const Mac& mac, const net::IpAddress& ip) {
  sys::UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (!fd) {
    spdlog::warn("announce {}: ICMPv6 socket: {}", ip.to_string(), std::strerror(errno));
    return;
  }
  const int hops = 255;
  ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
  ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex);
  sockaddr_in6 from{};
  from.sin6_family = AF_INET6;
  std::memcpy(&from.sin6_addr, ip.bytes().data(), 16);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&from), sizeof from) < 0) {
    // Tentative (DAD running): the kernel announces it itself once DAD is done.
    spdlog::debug("announce {}: not yet usable as a source: {}", ip.to_string(),
                  std::strerror(errno));
    return;
  }
  Advertisement a{};
  a.na.nd_na_type = ND_NEIGHBOR_ADVERT;
  a.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
  std::memcpy(&a.na.nd_na_target, ip.bytes().data(), 16);
  a.opt_type = ND_OPT_TARGET_LINKADDR;
  a.opt_len = 1;
  std::memcpy(a.mac, mac.data(), 6);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
  to.sin6_scope_id = static_cast<std::uint32_t>(ifindex);
  if (::sendto(fd.get(), &a, sizeof a, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
    spdlog::warn("announce {}: neighbour advertisement: {}", ip.to_string(), std::strerror(errno));
  }
}

}  // namespace

void announce_addresses(int ifindex, const std::string& mac,
                        const std::vector<net::IpAddress>& addresses) {
  const auto m = parse_mac(mac);
  if (!m) {
    spdlog::warn("announce: interface {} has no Ethernet address", ifindex);
    return;
  }
  for (const auto& ip : addresses) {
    if (ip.is_v4()) {
      send_garp(ifindex, *m, ip);
    } else {
      send_na(ifindex, *m, ip);
    }
  }
}

}  // namespace cni::ipconfig

#include "ipconfig/announce.hpp"

#include "sys/sysctl.hpp"

namespace cni::ipconfig {

void enable_announcements(const std::string& ifname) {
  sys::write_sysctl("net/ipv4/conf/" + ifname + "/arp_notify", "1");
  const std::string ndisc = "net/ipv6/conf/" + ifname + "/ndisc_notify";
  if (sys::read_sysctl(ndisc)) sys::write_sysctl(ndisc, "1");  // absent: IPv6 is off
}

void announce_addresses(nl::Socket& sock, const nl::Link& link) {
  nl::set_mac(sock, link, link.mac());
}

}  // namespace cni::ipconfig

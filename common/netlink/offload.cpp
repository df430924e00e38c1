#include "netlink/offload.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "cni/error.hpp"
#include "sys/unique_fd.hpp"

namespace cni::nl {

namespace {
// One ethtool_value request on `ifname`; returns the value read or written.
std::uint32_t ethtool_request(const std::string& ifname, std::uint32_t cmd, std::uint32_t data,
                              const char* what) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
    throw Error(Code::InvalidConfig, std::string(what) + ": bad interface name \"" + ifname + "\"");
  }
  sys::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw Error(Code::Netlink, std::string(what) + ": socket: " + std::strerror(errno));
  struct ethtool_value v {
    .cmd = cmd, .data = data
  };
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size() + 1);
  ifr.ifr_data =
      reinterpret_cast<char*>(&v);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  if (::ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0) {
    throw Error(Code::Netlink, std::string(what) + " " + ifname + ": " + std::strerror(errno));
  }
  return v.data;
}
}  // namespace

void set_tx_checksum(const std::string& ifname, bool on) {
  ethtool_request(ifname, ETHTOOL_STXCSUM, on ? 1 : 0, "set tx checksum offload");
}

bool tx_checksum(const std::string& ifname) {
  return ethtool_request(ifname, ETHTOOL_GTXCSUM, 0, "get tx checksum offload") != 0;
}

}  // namespace cni::nl

#pragma once

// Link offloads through the ethtool ioctl (SIOCETHTOOL), which has no rtnetlink equivalent
// for setting them. No ethtool process.

#include <string>

namespace cni::nl {

/// Transmit checksum offload of `ifname` in the calling thread's network namespace (the
/// caller enters the container's): ETHTOOL_STXCSUM, as `ethtool -K <if> tx on|off` (turning
/// it off also turns off the segmentation offloads that depend on it). Throws
/// cni::Error(Netlink) naming the interface.
void set_tx_checksum(const std::string& ifname, bool on);

/// Whether transmit checksum offload of `ifname` is on (ETHTOOL_GTXCSUM), same namespace rule.
bool tx_checksum(const std::string& ifname);

}  // namespace cni::nl

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cni::tuning {

/// Longest sysctl key accepted in a config (the longest real one is far shorter).
inline constexpr std::size_t kMaxSysctlKey = 256;

/// The file a config's sysctl key names, relative to /proc/sys (e.g.
/// "net/ipv4/conf/eth0.100/arp_filter"). Pure: no file is looked at.
///
/// 1. sysctl(8)'s convention: when the first separator is '.', dots and slashes swap places
///    ("net.ipv4.conf.eth0/100.rp_filter" names eth0.100); a key whose first separator is '/'
///    is a path kept as written.
/// 2. The first "IFNAME" becomes `ifname` (after step 1, so the dots of "eth0.100" stay).
/// 3. The path is cleaned as the reference's filepath.Clean does ("a//b", "a/./b", "a/x/../b").
///
/// Throws cni::Error(InvalidConfig) naming `field` and the key (`sysctl["kernel.x"]: ...`) when
/// the result is not a file under net/, or the key is empty, too long or holds control
/// characters.
std::string sysctl_path(std::string_view key, std::string_view ifname,
                        std::string_view field = "sysctl");

/// `field["key"]`, the name of one sysctl entry in messages.
std::string sysctl_field(std::string_view field, std::string_view key);

}  // namespace cni::tuning

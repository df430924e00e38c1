#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni::sys {

/// Reads a sysctl ("net/ipv4/ip_forward" or "net.ipv4.ip_forward"), trimmed; nullopt when the
/// key does not exist. /proc/sys/net reflects the network namespace of the calling thread at
/// open time: enter the target namespace first (netns::Enter).
std::optional<std::string> read_sysctl(std::string_view key);

/// Writes a sysctl unless it already holds `value`. Throws cni::Error(System) naming the key.
void write_sysctl(std::string_view key, std::string_view value);

}  // namespace cni::sys

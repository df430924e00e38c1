#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni::sys {

// Keys are "net/ipv4/ip_forward" or "net.ipv4.ip_forward". A key containing a '/' is taken as
// a path as is, so its dots stay (interface names such as "eth0.100" contain dots); a key
// without one has its dots turned into '/'. Keys with an empty, "." or ".." component, or
// starting with '/', are refused (cni::Error(System)): a key never leaves /proc/sys.
//
// Namespaces: /proc/sys/net shows the network namespace of the thread that OPENS the file, at
// open time. To read or write a container's sysctls, enter its namespace first
// (netns::Enter); these functions then act there. Non-net keys are global.

/// Reads a sysctl, trailing whitespace trimmed; nullopt when the key does not exist. Throws
/// cni::Error(System) "sysctl <key>: <strerror>" on any other failure.
std::optional<std::string> read_sysctl(std::string_view key);

/// Writes `value` to a sysctl, unless it already holds exactly that value (trimmed), in which
/// case nothing is written (a write-only sysctl, which cannot be read, is always written). Throws
/// cni::Error(System) "sysctl <key>=<value>: <strerror>".
void write_sysctl(std::string_view key, std::string_view value);

/// write_sysctl(), returning the value it replaced when it wrote (nullopt when the sysctl
/// already held `value`, or could not be read: write-only), so that the change can be undone.
std::optional<std::string> exchange_sysctl(std::string_view key, std::string_view value);

/// Where the key's file really is, as the kernel resolves it ("/proc/sys/net/core/somaxconn"),
/// symlinks followed; nullopt when the key does not exist. For callers that must keep writes
/// inside a subtree whatever the path's components resolve to. Throws as read_sysctl.
std::optional<std::string> sysctl_real_path(std::string_view key);

}  // namespace cni::sys

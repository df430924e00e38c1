#pragma once

#include <string_view>

namespace cni {

/// Container ID: non-empty, [a-zA-Z0-9][a-zA-Z0-9_.-]*. Throws cni::Error naming CNI_CONTAINERID
/// (code 3 when empty, as the reference; 4 for bad characters).
void validate_container_id(std::string_view id);

/// Interface name: non-empty, at most 15 bytes, not "." or "..", no '/', ':', NUL or whitespace.
/// Throws cni::Error(InvalidEnvironment) naming `field` (e.g. "CNI_IFNAME").
void validate_ifname(std::string_view name, std::string_view field = "CNI_IFNAME");

/// Network name: non-empty, [a-zA-Z0-9][a-zA-Z0-9_.-]*. Throws cni::Error(InvalidConfig).
void validate_network_name(std::string_view name);

/// Whether `s` is a safe single path component of the charset above (no '/', not "." or "..",
/// no NUL); used before building paths from runtime input.
bool is_safe_name(std::string_view s);

}  // namespace cni

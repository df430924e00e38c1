#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni::tuning {

/// "aa:bb:cc:dd:ee:ff" (lowercase, the kernel's and Go's spelling) for a 6-byte MAC written
/// with ':' or '-' separators in any case; nullopt for anything else. Pure.
std::optional<std::string> normalise_mac(std::string_view s);

/// Whether a normalised MAC is a unicast address other than 00:00:00:00:00:00 (the kernel
/// refuses the others on Ethernet devices).
bool is_assignable_mac(std::string_view normalised);

}  // namespace cni::tuning

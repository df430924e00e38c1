#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni::tool {

/// Standard base64 with padding (RFC 4648 section 4), as Go's encoding/json writes []byte.
std::string base64_encode(std::string_view data);

/// The bytes of a padded standard base64 string; nullopt when it is not one.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cni::tool

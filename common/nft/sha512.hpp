#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cni::nft {

/// The SHA-512 digest (FIPS 180-4) of `data`. Pure: no syscalls.
std::array<std::uint8_t, 64> sha512(std::string_view data);

/// The SHA-512 digest of `data` as 128 lowercase hex digits (Go's fmt "%x" of sha512.Sum512).
std::string sha512_hex(std::string_view data);

}  // namespace cni::nft

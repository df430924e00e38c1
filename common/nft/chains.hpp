#pragma once

#include <cstdint>
#include <string>

#include "nft/socket.hpp"

namespace cni::nft {

/// Whether table `table` exists in `family` (an NFT_MSG_GETTABLE dump), in the socket's
/// namespace. Retries an interrupted dump like list_rules(). (Chains: list_chains, rules.hpp.)
bool table_exists(Socket& sock, std::uint16_t family, const std::string& table);

}  // namespace cni::nft

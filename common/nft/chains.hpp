#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "nft/socket.hpp"

namespace cni::nft {

/// The names of the chains of table `table` in `family` (an NFT_MSG_GETCHAIN dump), in the
/// socket's namespace; empty when the table does not exist. Retries an interrupted dump like
/// list_rules().
std::set<std::string> list_chains(Socket& sock, std::uint16_t family, const std::string& table);

/// Whether table `table` exists in `family` (an NFT_MSG_GETTABLE dump), in the socket's
/// namespace.
bool table_exists(Socket& sock, std::uint16_t family, const std::string& table);

}  // namespace cni::nft

#pragma once

// Comments as `nft` stores them: a userdata TLV of type *_COMMENT holding the text with its
// terminating NUL (nftnl_udata_put_strz), so `nft list` shows them as `comment "..."`. Pure:
// these only change or read libnftnl objects.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nft/handle.hpp"

namespace cni::nft {

/// Sets the table's comment (the text is cut at 128 bytes, nft's limit).
void set_comment(nftnl_table& table, std::string_view text);
/// Sets the chain's comment (cut at 128 bytes).
void set_comment(nftnl_chain& chain, std::string_view text);
/// Sets the rule's comment (cut at 128 bytes).
void set_comment(nftnl_rule& rule, std::string_view text);

/// The rule's comment; nullopt when it has none (no userdata or no comment TLV).
std::optional<std::string> comment_of(const nftnl_rule& rule);
/// The string value of the rule's userdata TLV of `type` (a comment, a tag of ours), if any.
std::optional<std::string> udata_string(const nftnl_rule& rule, std::uint8_t type);
/// The same, from a userdata buffer as the kernel sends it (NFTA_RULE_USERDATA's payload).
std::optional<std::string> udata_string(const std::uint8_t* data, std::uint32_t len,
                                        std::uint8_t type);

}  // namespace cni::nft

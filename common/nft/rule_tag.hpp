#pragma once

// A rule's owner tag, kept next to its comment in the rule's userdata, where `nft` does not
// show it. The reference's port-mapping rules carry only the container ID as their comment,
// and its DEL removes rules by that exact comment, so the comment cannot also say which
// network and interface a rule belongs to; the tag does (a userdata TLV of a type nft and
// libnftnl skip when they print a rule). `nft list` shows exactly the reference's text;
// a ruleset saved and restored with `nft -f` loses the tag (the rules then count as written
// by the reference). Pure: these only change or read libnftnl objects.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nft/handle.hpp"

namespace cni::nft {

/// The userdata TLV type of the tag: far above the types nft defines (comment 0, ebtables
/// policy 1), so a future nft is unlikely to give it a meaning.
inline constexpr std::uint8_t kRuleTagType = 0xc5;

/// Sets the rule's userdata to `comment` (a comment TLV, cut at 128 bytes, as nft writes it)
/// followed by `tag` (a kRuleTagType TLV, at most 64 bytes).
void set_comment_and_tag(nftnl_rule& rule, std::string_view comment, std::string_view tag);

/// Sets the rule's userdata to `tag` alone (a rule with no comment, as nft then shows it).
void set_tag(nftnl_rule& rule, std::string_view tag);

/// The rule's tag; nullopt when it has none (rules written by nft or the reference plugins).
std::optional<std::string> tag_of(const nftnl_rule& rule);

}  // namespace cni::nft

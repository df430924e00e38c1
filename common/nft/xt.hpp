#pragma once

// Rules in the encoding iptables-nft (iptables 1.8.9, Debian 12) gives them, so that
// `iptables -S` lists rules we write and `iptables -D` finds them: interface names as the name
// plus its NUL, address matches as payload + cmp, every rule a counter before its verdict, and
// `-m conntrack` / `-m comment` as xtables matches run by the kernel's nft_compat (the
// `match` expression carrying the xt_*_info struct). Pure: these only build or read libnftnl
// objects.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nft/handle.hpp"
#include "nft/match.hpp"

namespace cni::nft {

/// The longest comment `-m comment` holds (xt_comment_info: 256 bytes with the NUL).
inline constexpr std::size_t kXtCommentMax = 255;

enum class IfDir { In, Out };  // -i, -o

/// Appends `[!] -i|-o <name>` (meta iifname/oifname, compared over the name and its NUL).
void add_xt_ifname(nftnl_rule& rule, IfDir dir, CmpOp op, std::string_view name);
/// Appends `-m conntrack --ctstate RELATED,ESTABLISHED` (xt conntrack revision 3).
void add_xt_ctstate_related_established(nftnl_rule& rule);
/// Appends `-m conntrack --ctstate DNAT` (the connection's destination was translated).
void add_xt_ctstate_dnat(nftnl_rule& rule);
/// Appends `-m comment --comment "<text>"` (text cut at kXtCommentMax bytes).
void add_xt_comment(nftnl_rule& rule, std::string_view text);
/// Appends the counter iptables-nft puts before every verdict.
void add_counter(nftnl_rule& rule);
/// Appends `accept`.
void add_accept(nftnl_rule& rule);

/// The text of the rule's first `-m comment` match; nullopt when it has none.
std::optional<std::string> xt_comment_of(const nftnl_rule& rule);

/// A canonical text of the rule's expressions, equal for two rules exactly when they match
/// the same packets and do the same thing: every expression as libnftnl prints it, xtables
/// match/target payloads in hex, counter values left out. For comparing a listed rule with one
/// we built.
std::string rule_signature(const nftnl_rule& rule);

}  // namespace cni::nft

#include "nft/rule_tag.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "nft/comment.hpp"
#include "nft/error.hpp"

namespace cni::nft {
namespace {

constexpr std::size_t kTagMax = 64;
// Both TLVs with their headers and NULs.
constexpr std::uint32_t kUdataSize = 2 + NFTNL_UDATA_COMMENT_MAXLEN + 1 + 2 + kTagMax + 1;

// The rule's userdata: a comment TLV (when given) followed by the tag TLV.
void set_udata(nftnl_rule& rule, std::optional<std::string_view> comment, std::string_view tag) {
  UdataPtr buf(nftnl_udata_buf_alloc(kUdataSize));
  if (!buf) throw nft_error(ENOMEM, "allocate nftables comment");
  const std::string t(tag.substr(0, kTagMax));
  if (comment) {
    const std::string c(comment->substr(0, NFTNL_UDATA_COMMENT_MAXLEN));
    if (!nftnl_udata_put_strz(buf.get(), NFTNL_UDATA_RULE_COMMENT, c.c_str()))
      throw nft_error(EMSGSIZE, "set nftables comment");
  }
  if (!nftnl_udata_put_strz(buf.get(), kRuleTagType, t.c_str()))
    throw nft_error(EMSGSIZE, "set nftables rule tag");
  nftnl_rule_set_data(&rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(buf.get()),
                      nftnl_udata_buf_len(buf.get()));
}

}  // namespace

void set_comment_and_tag(nftnl_rule& rule, std::string_view comment, std::string_view tag) {
  set_udata(rule, comment, tag);
}

void set_tag(nftnl_rule& rule, std::string_view tag) {
  set_udata(rule, std::nullopt, tag);
}

std::optional<std::string> tag_of(const nftnl_rule& rule) {
  return udata_string(rule, kRuleTagType);
}

}  // namespace cni::nft

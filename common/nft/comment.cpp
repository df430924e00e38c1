#include "nft/comment.hpp"

#include <cstdint>
#include <cstring>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

// Room for one comment TLV: 2 header bytes, the text and its NUL.
constexpr std::uint32_t kUdataSize = 2 + NFTNL_UDATA_COMMENT_MAXLEN + 1;

// A userdata buffer holding one TLV of `type` with `text` (cut at the comment limit).
UdataPtr comment_udata(std::uint8_t type, std::string_view text) {
  UdataPtr buf(nftnl_udata_buf_alloc(kUdataSize));
  if (!buf) throw nft_error(ENOMEM, "allocate nftables comment");
  const std::string z(text.substr(0, NFTNL_UDATA_COMMENT_MAXLEN));
  if (!nftnl_udata_put_strz(buf.get(), type, z.c_str())) {
    throw nft_error(EMSGSIZE, "set nftables comment");
  }
  return buf;
}

}  // namespace

void set_comment(nftnl_table& table, std::string_view text) {
  auto buf = comment_udata(NFTNL_UDATA_TABLE_COMMENT, text);
  nftnl_table_set_data(&table, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(buf.get()),
                       nftnl_udata_buf_len(buf.get()));
}

void set_comment(nftnl_chain& chain, std::string_view text) {
  auto buf = comment_udata(NFTNL_UDATA_CHAIN_COMMENT, text);
  nftnl_chain_set_data(&chain, NFTNL_CHAIN_USERDATA, nftnl_udata_buf_data(buf.get()),
                       nftnl_udata_buf_len(buf.get()));
}

void set_comment(nftnl_rule& rule, std::string_view text) {
  auto buf = comment_udata(NFTNL_UDATA_RULE_COMMENT, text);
  nftnl_rule_set_data(&rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(buf.get()),
                      nftnl_udata_buf_len(buf.get()));
}

std::optional<std::string> udata_string(const nftnl_rule& rule, std::uint8_t type_wanted) {
  if (!nftnl_rule_is_set(&rule, NFTNL_RULE_USERDATA)) return std::nullopt;
  std::uint32_t len = 0;
  const auto* data =
      static_cast<const std::uint8_t*>(nftnl_rule_get_data(&rule, NFTNL_RULE_USERDATA, &len));
  return udata_string(data, len, type_wanted);
}

std::optional<std::string> udata_string(const std::uint8_t* data, std::uint32_t len,
                                        std::uint8_t type_wanted) {
  // TLVs: one byte type, one byte length, the value.
  for (std::uint32_t at = 0; data != nullptr && at + 2 <= len;) {
    const std::uint8_t type = data[at];
    const std::uint8_t value_len = data[at + 1];
    if (at + 2 + value_len > len) break;
    if (type == type_wanted) {
      const auto* text = reinterpret_cast<const char*>(data + at + 2);
      return std::string(text, strnlen(text, value_len));
    }
    at += 2U + value_len;
  }
  return std::nullopt;
}

std::optional<std::string> comment_of(const nftnl_rule& rule) {
  return udata_string(rule, NFTNL_UDATA_RULE_COMMENT);
}

}  // namespace cni::nft

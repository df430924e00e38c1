#include "nft/sets.hpp"

#include <libnftnl/common.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

// An element of a plain set takes ~20 bytes in a message; a batch message must stay within
// the page overrun (16 KiB).
constexpr std::size_t kElementsPerMessage = 256;
// nft's byte order codes (src/datatype.h): how `nft list` reads the key.
constexpr std::uint32_t kHostEndian = 1;

SetPtr named(const SetName& set, const std::string& op) {
  SetPtr s(nftnl_set_alloc());
  if (!s) throw nft_error(ENOMEM, op);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, set.family);
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, set.table.c_str());
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, set.name.c_str());
  return s;
}

std::string where(const SetName& set) {
  return set.table + " " + set.name;
}

void element_messages(Batch& batch, const SetName& set, const std::vector<std::string>& keys,
                      bool add) {
  const std::string verb = add ? "add element " : "delete element ";
  for (std::size_t first = 0; first < keys.size(); first += kElementsPerMessage) {
    const std::size_t last = std::min(keys.size(), first + kElementsPerMessage);
    const std::string op = verb + where(set) + " (" + std::to_string(last - first) + ")";
    SetPtr s = named(set, op);
    for (std::size_t i = first; i < last; ++i) {
      SetElemPtr e(nftnl_set_elem_alloc());
      if (!e) throw nft_error(ENOMEM, op);
      nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, keys[i].data(),
                         static_cast<std::uint32_t>(keys[i].size()));
      nftnl_set_elem_add(s.get(), e.release());
    }
    if (add) {
      batch.add_set_elements(*s, op);
    } else {
      batch.delete_set_elements(*s, op);
    }
  }
}

}  // namespace

SetPtr set_declaration(const SetName& set, const SetKind& kind) {
  const std::string op = "add set " + where(set);
  SetPtr s = named(set, op);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, kind.key_type);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, kind.key_len);
  // Any id: it names the set within the batch only.
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, 1);
  UdataPtr buf(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
  if (!buf) throw nft_error(ENOMEM, op);
  const std::string comment = kind.comment.substr(0, NFTNL_UDATA_COMMENT_MAXLEN);
  if (!nftnl_udata_put_u32(buf.get(), NFTNL_UDATA_SET_KEYBYTEORDER, kHostEndian) ||
      !nftnl_udata_put_strz(buf.get(), NFTNL_UDATA_SET_COMMENT, comment.c_str())) {
    throw nft_error(EMSGSIZE, op);
  }
  nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(buf.get()),
                     nftnl_udata_buf_len(buf.get()));
  return s;
}

void add_set_elements(Batch& batch, const SetName& set, const std::vector<std::string>& keys) {
  element_messages(batch, set, keys, true);
}

void delete_set_elements(Batch& batch, const SetName& set, const std::vector<std::string>& keys) {
  element_messages(batch, set, keys, false);
}

void flush_set(Batch& batch, const SetName& set) {
  const std::string op = "flush set " + where(set);
  batch.delete_set_elements(*named(set, op), op);
}

bool set_exists(Socket& sock, const SetName& set) {
  const std::string op = "get set " + where(set);
  SetPtr s = named(set, op);
  alignas(nlmsghdr) std::array<char, 1024> request{};
  nlmsghdr* msg =
      nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETSET, set.family, NLM_F_ACK, sock.next_seq());
  nftnl_set_nlmsg_build_payload(msg, s.get());
  return sock.get(*msg, op);
}

bool set_has_element(Socket& sock, const SetName& set, std::string_view key) {
  const std::string op = "get element " + where(set);
  SetPtr s = named(set, op);
  SetElemPtr e(nftnl_set_elem_alloc());
  if (!e) throw nft_error(ENOMEM, op);
  nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, key.data(),
                     static_cast<std::uint32_t>(key.size()));
  nftnl_set_elem_add(s.get(), e.release());
  alignas(nlmsghdr) std::array<char, 1024> request{};
  nlmsghdr* msg = nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETSETELEM, set.family, NLM_F_ACK,
                                        sock.next_seq());
  nftnl_set_elems_nlmsg_build_payload(msg, s.get());
  return sock.get(*msg, op);
}

}  // namespace cni::nft

#include "nft/chains.hpp"

#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

constexpr int kDumpAttempts = 5;

// Dumps every object of `type` in `family`, handing each reply to on_reply; retried when the
// kernel flags the dump as interrupted. `reset` clears what the previous attempt collected.
template <typename OnReply, typename Reset>
void dump_all(Socket& sock, std::uint16_t type, std::uint16_t family, const std::string& op,
              OnReply&& on_reply, Reset&& reset) {
  alignas(nlmsghdr) std::array<char, 256> request{};
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    reset();
    nlmsghdr* msg =
        nftnl_nlmsg_build_hdr(request.data(), type, family, NLM_F_DUMP, sock.next_seq());
    if (sock.dump(*msg, on_reply, op)) return;
  }
  throw nft_error(EINTR, op + " (changed during every attempt)");
}

}  // namespace

bool table_exists(Socket& sock, std::uint16_t family, const std::string& table) {
  const std::string op = "list tables";
  bool found = false;
  dump_all(
      sock, NFT_MSG_GETTABLE, family, op,
      [&](const nlmsghdr& reply) {
        TablePtr t(nftnl_table_alloc());
        if (!t) throw nft_error(ENOMEM, op);
        if (nftnl_table_nlmsg_parse(&reply, t.get()) < 0) throw nft_error(EPROTO, op);
        if (nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY) == family &&
            table == nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME)) {
          found = true;
        }
      },
      [&] { found = false; });
  return found;
}

}  // namespace cni::nft

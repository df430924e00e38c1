#include "nft/probe.hpp"

#include <arpa/inet.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <array>
#include <cerrno>
#include <memory>

#include "nft/error.hpp"

namespace cni::nft {
namespace {

struct GenDeleter {
  void operator()(nftnl_gen* g) const noexcept { nftnl_gen_free(g); }
};

constexpr std::uint32_t kXtMatch = 0;  // NFTA_COMPAT_TYPE: 0 match, 1 target

}  // namespace

std::uint32_t ruleset_generation(Socket& sock) {
  const char* op = "read the nftables ruleset generation";
  alignas(nlmsghdr) std::array<char, 256> request{};
  // A plain request answered by one NEWGEN message, then the ack asked for here.
  nlmsghdr* msg =
      nftnl_nlmsg_build_hdr(request.data(), NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, sock.next_seq());
  std::unique_ptr<nftnl_gen, GenDeleter> gen(nftnl_gen_alloc());
  if (!gen) throw nft_error(ENOMEM, op);
  bool seen = false;
  sock.dump(
      *msg,
      [&](const nlmsghdr& reply) {
        if (nftnl_gen_nlmsg_parse(&reply, gen.get()) == 0) seen = true;
      },
      op);
  if (!seen || !nftnl_gen_is_set(gen.get(), NFTNL_GEN_ID)) throw nft_error(EPROTO, op);
  return nftnl_gen_get_u32(gen.get(), NFTNL_GEN_ID);
}

bool has_xt_match(Socket& sock, std::uint16_t family, const std::string& name, std::uint32_t rev) {
  const std::string op = "look up xtables match " + name;
  alignas(nlmsghdr) std::array<char, 256> request{};
  nlmsghdr* msg = nftnl_nlmsg_build_hdr(request.data(), NFNL_MSG_COMPAT_GET, family, NLM_F_ACK,
                                        sock.next_seq());
  // nftnl_nlmsg_build_hdr puts the nf_tables subsystem in the type: this is nft_compat's.
  msg->nlmsg_type = (NFNL_SUBSYS_NFT_COMPAT << 8) | NFNL_MSG_COMPAT_GET;
  mnl_attr_put_strz(msg, NFTA_COMPAT_NAME, name.c_str());
  mnl_attr_put_u32(msg, NFTA_COMPAT_REV, htonl(rev));
  mnl_attr_put_u32(msg, NFTA_COMPAT_TYPE, htonl(kXtMatch));
  try {
    sock.dump(
        *msg, [](const nlmsghdr&) {}, op);
  } catch (const cni::Error&) {
    return false;  // ENOENT: no such match or revision (the kernel says nothing more useful)
  }
  return true;
}

}  // namespace cni::nft

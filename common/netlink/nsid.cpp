#include "netlink/nsid.hpp"

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstdint>

#include "cni/error.hpp"
#include "netlink/request.hpp"

namespace cni::nl {

std::optional<int> netnsid_of(Socket& sock, const netns::Handle& ns) {
  rtgenmsg hdr{};
  hdr.rtgen_family = AF_UNSPEC;
  auto msg = new_request(RTM_GETNSID, 0, &hdr, sizeof hdr);
  put_u32(msg.get(), NETNSA_FD, static_cast<std::uint32_t>(ns.fd()));
  nl_sock* s = sock.request();
  const std::string what = "netns " + ns.path();
  sock.check(nl_send_auto(s, msg.get()), "get id of", what);

  struct State {
    std::optional<int> id;
  } st;
  CbPtr base(nl_socket_get_cb(s));    // a new reference
  CbPtr cb(nl_cb_clone(base.get()));  // keeps the socket's error handler
  if (!cb) throw Error(Code::Netlink, "get id of " + what + ": out of memory");
  nl_cb_set(
      cb.get(), NL_CB_VALID, NL_CB_CUSTOM,
      [](nl_msg* m, void* arg) -> int {
        nlmsghdr* h = nlmsg_hdr(m);
        if (h->nlmsg_type != RTM_NEWNSID) return NL_SKIP;
        nlattr* tb[NETNSA_MAX + 1] = {};
        if (nlmsg_parse(h, sizeof(rtgenmsg), tb, NETNSA_MAX, nullptr) < 0 || !tb[NETNSA_NSID]) {
          return NL_SKIP;
        }
        const auto id = static_cast<std::int32_t>(nla_get_u32(tb[NETNSA_NSID]));
        if (id >= 0) static_cast<State*>(arg)->id = id;
        return NL_OK;
      },
      &st);
  sock.check(nl_recvmsgs(s, cb.get()), "get id of", what);
  // The reply came first; the kernel's ACK of the request follows it.
  sock.check(nl_wait_for_ack(s), "get id of", what);
  return st.id;
}

}  // namespace cni::nl

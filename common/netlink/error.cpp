#include "netlink/error.hpp"

#include <netlink/errno.h>

#include <cstdlib>
#include <string>

#include "cni/error.hpp"

namespace cni::nl {

void throw_nl(int rc, std::string_view op, std::string_view ifname) {
  int code = std::abs(rc);
  std::string msg(op);
  if (!ifname.empty()) msg += " " + std::string(ifname);
  msg += ": ";
  msg += nl_geterror(code);
  Code c = (code == NLE_BUSY || code == NLE_AGAIN) ? Code::TryAgainLater : Code::Netlink;
  throw Error(c, msg, "libnl error " + std::to_string(code));
}

}  // namespace cni::nl

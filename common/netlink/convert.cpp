#include "netlink/convert.hpp"

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "cni/error.hpp"

namespace cni::nl {

int to_af(net::Family f) {
  return f == net::Family::V4 ? AF_INET : AF_INET6;
}

NlAddrPtr to_nl_addr(const net::IpAddress& a, int len) {
  NlAddrPtr p(nl_addr_build(to_af(a.family()), a.bytes().data(), a.byte_length()));
  if (!p) throw Error(Code::Netlink, "allocate netlink address: out of memory");
  nl_addr_set_prefixlen(p.get(), len);
  return p;
}

std::optional<net::IpAddress> from_nl_addr(const nl_addr* a) {
  if (!a) return std::nullopt;
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(a));
  const unsigned len = nl_addr_get_len(a);
  switch (nl_addr_get_family(a)) {
    case AF_INET: {
      if (len != 4) return std::nullopt;
      return net::IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
    }
    case AF_INET6: {
      if (len != 16) return std::nullopt;
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), bytes, b.size());
      return net::IpAddress::v6(b);
    }
    default:
      return std::nullopt;
  }
}

net::IpAddress zero_address(net::Family f) {
  return f == net::Family::V4 ? net::IpAddress::v4({}) : net::IpAddress::v6({});
}

}  // namespace cni::nl

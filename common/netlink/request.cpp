#include "netlink/request.hpp"

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <string>

#include "cni/error.hpp"

namespace cni::nl {

namespace {
[[noreturn]] void too_big() {
  throw Error(Code::Netlink, "build netlink request: out of memory");
}
}  // namespace

MsgPtr new_request(int type, int flags, const void* hdr, std::size_t size) {
  MsgPtr msg(nlmsg_alloc_simple(type, flags));
  if (!msg) too_big();
  if (nlmsg_append(msg.get(), const_cast<void*>(hdr), size, NLMSG_ALIGNTO) < 0) too_big();
  return msg;
}

void put(nl_msg* msg, int type, const void* data, std::size_t size) {
  if (nla_put(msg, type, static_cast<int>(size), data) < 0) too_big();
}

void put_u8(nl_msg* msg, int type, std::uint8_t value) {
  if (nla_put_u8(msg, type, value) < 0) too_big();
}

void put_u16(nl_msg* msg, int type, std::uint16_t value) {
  if (nla_put_u16(msg, type, value) < 0) too_big();
}

void put_u32(nl_msg* msg, int type, std::uint32_t value) {
  if (nla_put_u32(msg, type, value) < 0) too_big();
}

void put_string(nl_msg* msg, int type, std::string_view value) {
  const std::string s(value);
  if (nla_put_string(msg, type, s.c_str()) < 0) too_big();
}

nlattr* nest_start(nl_msg* msg, int type) {
  nlattr* nest = nla_nest_start(msg, type);
  if (!nest) too_big();
  return nest;
}

void nest_end(nl_msg* msg, nlattr* nest) {
  nla_nest_end(msg, nest);
}

void append_header(nl_msg* msg, const void* hdr, std::size_t size) {
  if (nlmsg_append(msg, const_cast<void*>(hdr), size, NLMSG_ALIGNTO) < 0) too_big();
}

void put_addr(nl_msg* msg, int type, const net::IpAddress& a) {
  put(msg, type, a.bytes().data(), a.byte_length());
}

int send(Socket& sock, MsgPtr msg) {
  // nl_send_sync frees the message whatever happens.
  return nl_send_sync(sock.request(), msg.release());
}

}  // namespace cni::nl

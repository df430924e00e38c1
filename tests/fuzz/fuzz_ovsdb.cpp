// OVSDB replies as a hostile or broken server could send them: the input (after a selector
// line naming the call) is what the server writes back, in one piece, then it hangs up. The
// client must split, parse and interpret it, answering echo requests, and fail only with
// cni::Error. Also: the splitter cuts the same messages whether fed whole or byte by byte.
// No thread, no file: one socketpair per input, written before the call reads it.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cni/error.hpp"
#include "fuzz_support.hpp"
#include "ovsdb/client.hpp"
#include "ovsdb/stream.hpp"
#include "ovsdb/vswitch.hpp"
#include "sys/unique_fd.hpp"

namespace {

using namespace cni;

std::vector<std::string> split_all(std::string_view data, bool bytewise) {
  ovsdb::MessageSplitter s;
  std::vector<std::string> out;
  try {
    if (bytewise) {
      for (char c : data) {
        s.feed(std::string_view(&c, 1));
        while (auto m = s.next())
          out.push_back(*m);
      }
    } else {
      s.feed(data);
      while (auto m = s.next())
        out.push_back(*m);
    }
  } catch (const Error&) {
    out.emplace_back("<error>");
  }
  return out;
}

void call(std::string_view op, ovsdb::Client& c) {
  using namespace std::chrono_literals;
  if (op == "find_bridge") {
    ovsdb::find_bridge(c, "br0");
  } else if (op == "add_port") {
    ovsdb::add_port(
        c, {.bridge = "br0", .name = "veth0", .vlan = 5, .external_ids = {{"owner", "o"}}});
  } else if (op == "wait_applied") {
    ovsdb::wait_applied(c, 7, "veth0", 0ms);
  } else if (op == "find_interface") {
    ovsdb::find_interface(c, "veth0");
  } else if (op == "delete_ports") {
    ovsdb::delete_ports(c, {{.uuid = "u", .external_ids = {{"owner", "o"}}}});
  } else {
    for (const auto& p : ovsdb::find_ports(c, {{"owner", "o"}}))
      (void)p;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 60000) return 0;  // stays within the socket buffer: written before it is read
  auto [op, payload] = cni::fuzz::split_first_line(data, size);

  const auto whole = split_all(payload, false);
  // Bytewise only up to the first error: whole-buffer feeding stops there too.
  const auto bytes = split_all(payload, true);
  if (whole != bytes) cni::fuzz::finding("splitter: whole and byte-by-byte feeding differ");

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  cni::sys::UniqueFd server(fds[1]);
  std::size_t off = 0;
  while (off < payload.size()) {
    const ssize_t n = ::write(server.get(), payload.data() + off, payload.size() - off);
    if (n <= 0) return 0;
    off += static_cast<std::size_t>(n);
  }
  ::shutdown(server.get(), SHUT_WR);
  cni::ovsdb::Client client(cni::sys::UniqueFd(fds[0]), std::chrono::milliseconds(100), "fuzz");
  try {
    call(op, client);
  } catch (const cni::Error&) {
    // The documented failure.
  }
  return 0;
}

#pragma once

// Two throwaway namespaces, "host" and "container", each with a socket inside, for the veth,
// bridge and wait tests (all Root*). Plus a way to read `ip -j` / `bridge -j` output.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "support/temp_netns.hpp"

namespace cni::test {

/// The stdout of `command` (a shell command line built from test-controlled words only) parsed
/// as JSON; null when it printed nothing or failed.
inline nlohmann::json json_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen((command + " 2>/dev/null").c_str(), "r"),
                                          ::pclose);
  if (!p) return nullptr;
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p.get())) > 0;)
    out.append(buf, n);
  return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
}

class RootTwoNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    CNI_REQUIRE_ROOT();
    host_ = std::make_unique<TempNetns>();
    cont_ = std::make_unique<TempNetns>();
    ASSERT_TRUE(host_->ok() && cont_->ok());
    cont_handle_ = std::make_unique<netns::Handle>(cont_->handle());
    hsock_ = std::make_unique<nl::Socket>(nl::Socket::in(host_->handle()));
    csock_ = std::make_unique<nl::Socket>(nl::Socket::in(*cont_handle_));
  }
  void TearDown() override {
    hsock_.reset();  // before the namespaces go
    csock_.reset();
    cont_handle_.reset();
    cont_.reset();
    host_.reset();
  }

  static nl::Link must(std::optional<nl::Link> l) {
    if (!l) throw std::runtime_error("link not found");
    return std::move(*l);
  }
  nl::Link host_link(const std::string& name) { return must(nl::find_link(*hsock_, name)); }
  nl::Link cont_link(const std::string& name) { return must(nl::find_link(*csock_, name)); }

  /// `ip -j -d link show dev <name>` in the host namespace: the link's object.
  nlohmann::json ip_details(const std::string& name) const {
    auto j = json_of("ip -n " + host_->name() + " -j -d link show dev " + name);
    return j.is_array() && !j.empty() ? j[0] : nlohmann::json();
  }

  std::unique_ptr<TempNetns> host_;
  std::unique_ptr<TempNetns> cont_;
  std::unique_ptr<netns::Handle> cont_handle_;
  std::unique_ptr<nl::Socket> hsock_;
  std::unique_ptr<nl::Socket> csock_;
};

}  // namespace cni::test

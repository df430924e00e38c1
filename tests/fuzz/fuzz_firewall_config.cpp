// libFuzzer target: the firewall plugin's config keys (JSON from stdin) and its rule comments
// (read back from the kernel, written there by anyone). The input is a JSON config; its
// "name" and the strings it holds double as owner fields and comments.
// Properties: parse_config throws only cni::Error 6 or 7 naming one of the plugin's keys; an
// accepted admin chain name passes chain_name_problem; a comment made for an owner is at most
// 255 bytes and recognised as that owner's (and only for its network); reading any text as a
// comment never throws.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cni/error.hpp"
#include "config.hpp"
#include "fuzz_support.hpp"
#include "layout.hpp"
#include "nft/xt.hpp"

namespace {

using nlohmann::json;

void expect_config_error(const cni::Error& e) {
  if (e.code() != cni::Code::DecodingFailure && e.code() != cni::Code::InvalidConfig) {
    cni::fuzz::finding("parse_config threw a code other than 6 or 7", e.what());
  }
  for (const char* key :
       {"backend:", "iptablesAdminChainName:", "firewalldZone:", "ingressPolicy:"})
    if (e.msg().starts_with(key)) return;
  cni::fuzz::finding("parse_config error does not name its key", e.msg());
}

void check_owner(const std::string& network, const std::string& id, const std::string& ifname) {
  const cni::firewall::Owner o{network, id, ifname};
  const std::string c = cni::firewall::owner_comment(o);
  if (c.size() > cni::nft::kXtCommentMax) cni::fuzz::finding("comment longer than 255", c);
  if (!cni::firewall::comment_is_one_of(c, network, {{id, ifname}})) {
    cni::fuzz::finding("a comment is not recognised as its owner's", c);
  }
  if (!cni::firewall::comment_of_network(c, network)) {
    cni::fuzz::finding("a comment is not recognised as its network's", c);
  }
  if (cni::firewall::comment_of_network(c, network + "x")) {
    cni::fuzz::finding("a comment is taken for another network's", c);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Any text read back as a comment.
  (void)cni::firewall::comment_of_network(text, "n");
  (void)cni::firewall::comment_is_one_of(text, "n", {{"c", "eth0"}});

  const json conf = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (conf.is_discarded()) return 0;
  cni::Request req;
  req.conf.raw = conf;
  try {
    const cni::firewall::Config c = cni::firewall::parse_config(req);
    if (!cni::firewall::chain_name_problem(c.admin_chain).empty()) {
      cni::fuzz::finding("accepted an admin chain iptables refuses", c.admin_chain);
    }
  } catch (const cni::Error& e) {
    expect_config_error(e);
  }
  // Owners from the config's strings; network names and container IDs never hold '"' (the
  // skel refuses them), ifnames may.
  if (conf.is_object()) {
    auto str = [&](const char* k) {
      auto it = conf.find(k);
      return it != conf.end() && it->is_string() ? it->get<std::string>() : std::string("x");
    };
    std::string network = str("name"), id = str("containerID");
    if (network.find('"') == std::string::npos && id.find('"') == std::string::npos &&
        !network.empty() && !id.empty()) {
      check_owner(network, id, str("ifname"));
    }
  }
  return 0;
}

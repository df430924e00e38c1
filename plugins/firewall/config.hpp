#pragma once

#include <string>
#include <string_view>

#include "cni/skel.hpp"

namespace cni::firewall {

/// The config keys, for the skel's case folding (see DEVELOPERS.md).
inline constexpr std::string_view kKeys =
    R"({"backend":null,"iptablesAdminChainName":null,"firewalldZone":null,"ingressPolicy":null})";

/// `backend`: the reference takes "iptables" and "firewalld" and reads anything else
/// ("", "nftables", ...) as "firewalld if it runs, else iptables".
enum class Backend { Auto, Iptables, Firewalld };

/// `ingressPolicy`: "" and "open" (nothing), "same-bridge" (traffic from other bridges is
/// dropped), "isolated" (as same-bridge, and traffic between ports of the same bridge too).
enum class IngressPolicy { Open, SameBridge, Isolated };

/// The firewall plugin's keys, those of the reference firewall plugin (README "firewall").
struct Config {
  Backend backend = Backend::Auto;
  std::string backend_text;               // as written, for messages
  std::string admin_chain = "CNI-ADMIN";  // iptablesAdminChainName
  std::string firewalld_zone = "trusted";
  IngressPolicy ingress = IngressPolicy::Open;
};

/// Parses and validates the config of `req`; errors name the key (code 6 for a wrong JSON
/// type, 7 for a value iptables or the reference would refuse).
Config parse_config(const Request& req);

/// Why `name` cannot be an iptables chain name (iptables-nft 1.8.9's rules, plus the names of
/// chains this plugin's layout uses itself); "" when it can.
std::string chain_name_problem(std::string_view name);

}  // namespace cni::firewall

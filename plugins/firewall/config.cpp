#include "config.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "cni/conf_keys.hpp"
#include "cni/error.hpp"

namespace cni::firewall {
namespace {

// iptables -N refuses names of targets ("chain name may not clash with target name"): the
// standard verdicts and the target extensions Debian 12's iptables ships.
constexpr std::array<std::string_view, 43> kTargetNames = {
    "ACCEPT",     "DROP",        "RETURN",      "QUEUE",     "AUDIT",   "CHECKSUM", "CLASSIFY",
    "CLUSTERIP",  "CONNMARK",    "CONNSECMARK", "CT",        "DNAT",    "DNPT",     "DSCP",
    "ECN",        "HL",          "HMARK",       "IDLETIMER", "LED",     "LOG",      "MARK",
    "MASQUERADE", "NAT",         "NETMAP",      "NFLOG",     "NFQUEUE", "NOTRACK",  "RATEEST",
    "REDIRECT",   "REJECT",      "SECMARK",     "SET",       "SNAT",    "SNPT",     "SYNPROXY",
    "TCPMSS",     "TCPOPTSTRIP", "TEE",         "TOS",       "TPROXY",  "TRACE",    "TTL",
    "ULOG"};

// Chains that exist already or that the layout uses: jumping to them from CNI-FORWARD would
// be refused (a built-in chain) or loop.
constexpr std::array<std::string_view, 6> kTakenNames = {
    "INPUT", "FORWARD", "OUTPUT", "CNI-FORWARD", "CNI-ISOLATION-STAGE-1", "CNI-ISOLATION-STAGE-2"};

constexpr std::size_t kChainNameMax = 28;  // XT_EXTENSION_MAXNAMELEN - 1

}  // namespace

std::string chain_name_problem(std::string_view name) {
  if (name.size() > kChainNameMax) {
    return "is " + std::to_string(name.size()) + " bytes long, iptables allows at most " +
           std::to_string(kChainNameMax);
  }
  if (name.starts_with('-') || name.starts_with('!')) {
    return "may not start with '" + std::string(1, name.front()) + "'";
  }
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    return "may not contain white space";
  }
  if (std::find(kTargetNames.begin(), kTargetNames.end(), name) != kTargetNames.end()) {
    return "is the name of an iptables target";
  }
  if (std::find(kTakenNames.begin(), kTakenNames.end(), name) != kTakenNames.end()) {
    return "is a chain iptables or this plugin already uses";
  }
  return {};
}

Config parse_config(const Request& req) {
  const nlohmann::json& raw = req.conf.raw;
  Config c;
  c.backend_text = string_key(raw, "backend");
  if (c.backend_text == "iptables") {
    c.backend = Backend::Iptables;
  } else if (c.backend_text == "firewalld") {
    c.backend = Backend::Firewalld;
  }

  if (auto admin = string_key(raw, "iptablesAdminChainName"); !admin.empty()) {
    if (auto why = chain_name_problem(admin); !why.empty()) {
      throw Error(Code::InvalidConfig, "iptablesAdminChainName: \"" + admin + "\" " + why);
    }
    c.admin_chain = std::move(admin);
  }
  if (auto zone = string_key(raw, "firewalldZone"); !zone.empty()) c.firewalld_zone = zone;

  const std::string policy = string_key(raw, "ingressPolicy");
  if (policy.empty() || policy == "open") {
    c.ingress = IngressPolicy::Open;
  } else if (policy == "same-bridge") {
    c.ingress = IngressPolicy::SameBridge;
  } else if (policy == "isolated") {
    c.ingress = IngressPolicy::Isolated;
  } else {
    throw Error(Code::InvalidConfig, "ingressPolicy: unknown ingress policy \"" + policy +
                                         "\" (expected \"open\", \"same-bridge\" or \"isolated\")");
  }
  return c;
}

}  // namespace cni::firewall

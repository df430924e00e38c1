#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "cni/skel.hpp"
#include "net/ip.hpp"
#include "nft/hostport_layout.hpp"

namespace cni::portmap {

/// The shape of portmap's config for the skel's key folding (Go's case-insensitive JSON keys:
/// containerd 1.6 sends {"HostPort":..,"ContainerPort":..,"Protocol":..,"HostIP":..}).
inline constexpr std::string_view kKeys =
    R"({"snat":null,"masqAll":null,"markMasqBit":null,"externalSetMarkChain":null,)"
    R"("conditionsV4":null,"conditionsV6":null,"backend":null,)"
    R"("runtimeConfig":{"portMappings":[{"hostPort":null,"containerPort":null,)"
    R"("protocol":null,"hostIP":null}]}})";

/// One entry of runtimeConfig.portMappings.
struct Mapping {
  std::uint8_t proto = 0;  // IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::optional<net::IpAddress> host_ip;  // nullopt: "" or absent, any address of both families
  bool operator==(const Mapping&) const = default;
};

struct Config {
  bool snat = true;
  bool masq_all = false;
  std::vector<nft::Condition> conditions_v4;
  std::vector<nft::Condition> conditions_v6;
  std::vector<Mapping> mappings;
};

/// Reads and validates portmap's keys from the config JSON (`raw`, the whole stdin config).
/// Throws cni::Error naming the field: DecodingFailure (6) for a wrong JSON type,
/// InvalidConfig (7) for a bad value or a key this implementation cannot honour.
Config parse_config_json(const nlohmann::json& raw);

/// parse_config_json(req.conf.raw).
Config parse_config(const Request& req);

/// conditionsV4 / conditionsV6 (`field`): a list of strings joined by spaces, read as nft
/// matches (`ip saddr != 10.0.0.0/8`, `iifname "eth0"`) or iptables ones (`! -s 10.0.0.0/8`,
/// `-i eth0`), of `family`. Throws cni::Error(InvalidConfig) naming the field for anything
/// else. Pure.
std::vector<nft::Condition> parse_conditions(const nlohmann::json& list, net::Family family,
                                             const std::string& field);

}  // namespace cni::portmap

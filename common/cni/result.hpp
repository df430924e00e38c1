#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cni/version.hpp"
#include "net/ip.hpp"

namespace cni {

/// The canonical (1.1.0) form of a CNI result. Every version is parsed into it and rendered from
/// it; fields a version lacks are dropped on rendering.
struct Interface {
  std::string name;
  std::string mac;          // "" = absent
  std::string sandbox;      // "" = host side
  int mtu = 0;              // 1.1.0 only; 0 = absent
  std::string socket_path;  // 1.1.0 only
  std::string pci_id;       // 1.1.0 only
  bool operator==(const Interface&) const = default;
};

struct IpConfig {
  net::Prefix address;  // the container's address with its prefix length
  std::optional<net::IpAddress> gateway;
  std::optional<int> interface;  // index into Result::interfaces
  bool operator==(const IpConfig&) const = default;
};

struct Route {
  net::Prefix dst;
  std::optional<net::IpAddress> gw;
  // 1.1.0 only: 0 = absent for mtu/advmss/priority; table and scope are meaningful at 0.
  int mtu = 0;
  int advmss = 0;
  int priority = 0;
  std::optional<int> table;
  std::optional<int> scope;
  bool operator==(const Route&) const = default;
};

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  bool empty() const {
    return nameservers.empty() && domain.empty() && search.empty() && options.empty();
  }
  bool operator==(const Dns&) const = default;
};

struct Result {
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  Dns dns;
  // Not the spec's: our IPAM's note for undoing this ADD, exchanged only between our plugins
  // (cni/delegate.hpp, kUndoNoteKey); render_result never prints it.
  std::string undo_note;
  bool operator==(const Result&) const = default;
};

/// Parses a result shaped as `version` (the 0.1/0.2 {ip4,ip6} shape, the 0.3/0.4 shape with
/// ips[].version, or the 1.x shape). `field` names the JSON location in error messages, e.g.
/// "prevResult". Throws cni::Error(DecodingFailure) naming the offending field.
Result parse_result(const nlohmann::json& j, Version version, const std::string& field);

/// Renders the result in exactly the shape of `version`, with "cniVersion" set. For 0.1/0.2
/// keeps the first address of each family and sorts routes by family, as the reference's
/// conversion; throws cni::Error(IncompatibleVersion) when there is no address to keep.
nlohmann::json render_result(const Result& r, Version version);

/// The "dns" object (used both in results and in network configs).
Dns parse_dns(const nlohmann::json& j, const std::string& field);
nlohmann::json render_dns(const Dns& d);

}  // namespace cni

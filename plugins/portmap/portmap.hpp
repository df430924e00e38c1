#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/result.hpp"
#include "cni/skel.hpp"
#include "config.hpp"
#include "nft/hostport_layout.hpp"

namespace cni::portmap {

/// The container's addresses the mappings go to, as the reference picks them: the first IPv4
/// and the first IPv6 address of `prev` on interface `ifname` inside a sandbox (or on no
/// interface). Pure.
struct ContainerAddresses {
  std::optional<net::Prefix> v4;
  std::optional<net::Prefix> v6;
};
ContainerAddresses container_addresses(const Result& prev, const std::string& ifname);

/// The rules to write per family: a mapping with a host IP goes only to its family (0.0.0.0 and
/// :: mean any address of their family); one without to both. Families without a container
/// address or without mappings are left out. Pure.
std::vector<nft::HostportPlan> make_plans(const Config& cfg, const ContainerAddresses& addrs);

Result cmd_add(const Request& req);
void cmd_del(const Request& req);
void cmd_check(const Request& req);
void cmd_status(const Request& req);
void cmd_gc(const Request& req);

PluginFuncs plugin();

}  // namespace cni::portmap

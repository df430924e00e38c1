#pragma once

#include <optional>
#include <string>

#include "cni/skel.hpp"

namespace cni::veth {

/// The veth plugin's keys: those of the reference ptp plugin, plus a container MAC.
struct Config {
  bool ip_masq = false;
  int mtu = 0;  // 0: the kernel's default
  std::string ipam_type;
  std::optional<std::string> mac;  // runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC=
};

/// Parses and validates the config of `req` (messages name the key). `need_ipam` is false for
/// DEL and GC, which must work even when the IPAM section is broken.
Config parse_config(const Request& req, bool need_ipam = true);

}  // namespace cni::veth

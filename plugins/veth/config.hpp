#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cni/skel.hpp"

namespace cni::veth {

/// The veth plugin's keys: those of the reference ptp plugin, plus a container MAC.
struct Config {
  bool ip_masq = false;
  int mtu = 0;  // 0: the kernel's default
  std::string ipam_type;
  std::optional<std::string> mac;  // runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC=
};

/// The keys veth reads, for the skel's case folding (cni/key_fold.hpp).
inline constexpr std::string_view kKeys = R"({
  "ipMasq": null, "ipMasqBackend": null, "mtu": null,
  "runtimeConfig": {"mac": null}, "args": {"cni": {"mac": null}}
})";

/// Parses and validates the config of `req` (messages name the key). `need_ipam` is false for
/// DEL and GC, which must work even when the IPAM section is broken.
Config parse_config(const Request& req, bool need_ipam = true);

}  // namespace cni::veth

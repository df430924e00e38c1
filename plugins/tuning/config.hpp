#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/skel.hpp"

namespace cni::tuning {

/// The shape of tuning's config for the skel's case folding of keys (Go's encoding/json
/// matches keys to fields case-insensitively; the reference plugin takes "MTU" or "TxQLen").
inline constexpr std::string_view kKeys =
    R"({"sysctl":{"*":null},"mac":null,"promisc":null,"mtu":null,"allmulti":null,)"
    R"("txQLen":null,"dataDir":null,"runtimeConfig":{"mac":null},)"
    R"("args":{"cni":{"sysctl":{"*":null},"mac":null,"promisc":null,"mtu":null,)"
    R"("allmulti":null,"txQLen":null}}})";

inline constexpr const char* kDefaultDataDir = "/run/cni/tuning";

/// One sysctl to write inside the container's namespace.
struct Sysctl {
  std::string field;  // "sysctl" or "args.cni.sysctl", for messages
  std::string key;    // as written in the config
  std::string path;   // under /proc/sys, normalised (sysctl_path)
  std::string value;
  bool operator==(const Sysctl&) const = default;
};

/// The tuning plugin's keys, merged by the reference's precedence: `args.cni.*` override the
/// top-level keys; the MAC from lowest to highest: "mac", CNI_ARGS MAC=, runtimeConfig.mac,
/// args.cni.mac.
struct Config {
  std::vector<Sysctl> sysctls;     // sorted by key; args.cni entries replace same-path ones
  std::optional<std::string> mac;  // normalised "aa:bb:cc:dd:ee:ff"
  bool promisc = false;            // only true acts (the reference's bool)
  int mtu = 0;                     // 0: leave as is
  std::optional<bool> allmulti;
  std::optional<std::uint32_t> txqlen;
  std::string data_dir = kDefaultDataDir;

  /// Whether ADD changes link attributes (and so writes a backup file first).
  bool changes_link() const { return mac || promisc || mtu != 0 || allmulti || txqlen; }
};

/// Parses and validates the config of `req` (ADD, CHECK). Messages name the key; code 6 for a
/// wrong JSON type, 7 for a bad value (a sysctl outside /proc/sys/net/, a duplicated sysctl
/// key, a malformed MAC, an MTU out of range...), 4 for a bad CNI_ARGS MAC=.
Config parse_config(const Request& req);

/// Only the data dir (DEL, GC, STATUS must work whatever else the config holds).
std::string parse_data_dir(const nlohmann::json& raw);

/// Throws cni::Error(InvalidConfig) naming a key that appears twice in a top-level "sysctl"
/// object of the raw config text (the parsed JSON keeps only the last; the reference refuses).
void refuse_duplicate_sysctls(std::string_view stdin_data);

}  // namespace cni::tuning

#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cni/skel.hpp"

namespace cni {

// Typed readers for plugin config keys. Each throws cni::Error naming the key: DecodingFailure
// (6) for a wrong JSON type, InvalidConfig (7) for a value out of range.

/// Boolean key; `def` when absent or null.
bool bool_key(const nlohmann::json& conf, const char* key, bool def = false);
/// Integer key within [min, max]; `def` when absent or null.
int int_key(const nlohmann::json& conf, const char* key, int def, int min, int max);
/// String key; "" when absent or null.
std::string string_key(const nlohmann::json& conf, const char* key);

/// "mtu": 0 (the kernel's default) or 68..65535.
int mtu_key(const nlohmann::json& conf);

/// "ipMasqBackend": absent, "nftables" or "iptables". Masquerading always uses nftables here;
/// "iptables" is accepted (and logged) so reference configs keep working. Anything else is
/// an InvalidConfig error.
void check_masq_backend(const nlohmann::json& conf);

/// The container MAC, by precedence runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC= (as the
/// reference bridge); validated as "aa:bb:cc:dd:ee:ff"; nullopt when none is asked for.
std::optional<std::string> requested_mac(const Request& req);

/// ipam.type, which must be present (`field` is "ipam" in messages).
std::string required_ipam_type(const NetConf& conf);

}  // namespace cni

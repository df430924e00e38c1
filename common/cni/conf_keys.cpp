#include "cni/conf_keys.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <limits>

#include "cni/error.hpp"

namespace cni {

using nlohmann::json;

namespace {
constexpr auto kLongLongMax =
    static_cast<unsigned long long>(std::numeric_limits<long long>::max());

const json* find(const json& conf, const char* key) {
  if (!conf.is_object()) return nullptr;
  auto it = conf.find(key);
  if (it == conf.end() || it->is_null()) return nullptr;
  return &*it;
}

bool is_mac(std::string_view s) {
  if (s.size() != 17) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> mac_from(const json* v, const std::string& field) {
  if (!v) return std::nullopt;
  if (!v->is_string()) throw Error(Code::DecodingFailure, field + ": must be a string");
  auto mac = v->get<std::string>();
  if (!is_mac(mac)) {
    throw Error(Code::InvalidConfig, field + ": \"" + mac + "\" is not a MAC address");
  }
  return mac;
}
}  // namespace

bool bool_key(const json& conf, const char* key, bool def) {
  const json* v = find(conf, key);
  if (!v) return def;
  if (!v->is_boolean())
    throw Error(Code::DecodingFailure, std::string(key) + ": must be a boolean");
  return v->get<bool>();
}

int int_key(const json& conf, const char* key, int def, int min, int max) {
  const json* v = find(conf, key);
  if (!v) return def;
  if (!v->is_number_integer()) {
    throw Error(Code::DecodingFailure, std::string(key) + ": must be an integer");
  }
  // Above LLONG_MAX (an unsigned JSON number) get<long long>() would wrap to a negative.
  const bool huge = v->is_number_unsigned() && v->get<unsigned long long>() > kLongLongMax;
  auto n = v->get<long long>();
  if (huge || n < min || n > max) {
    throw Error(Code::InvalidConfig, std::string(key) + ": " + v->dump() + " is out of range [" +
                                         std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int>(n);
}

std::string string_key(const json& conf, const char* key) {
  const json* v = find(conf, key);
  if (!v) return {};
  if (!v->is_string()) throw Error(Code::DecodingFailure, std::string(key) + ": must be a string");
  return v->get<std::string>();
}

int mtu_key(const json& conf) {
  int mtu = int_key(conf, "mtu", 0, 0, 65535);
  if (mtu != 0 && mtu < 68) {
    throw Error(Code::InvalidConfig, "mtu: " + std::to_string(mtu) + " is below the minimum 68");
  }
  return mtu;
}

void check_masq_backend(const json& conf) {
  auto backend = string_key(conf, "ipMasqBackend");
  if (backend.empty() || backend == "nftables") return;
  if (backend == "iptables") {
    spdlog::info(
        "ipMasqBackend \"iptables\": masquerading with nftables (same rules, no iptables)");
    return;
  }
  throw Error(Code::InvalidConfig, "ipMasqBackend: \"" + backend +
                                       "\" is not supported (use \"nftables\" or \"iptables\")");
}

std::optional<std::string> requested_mac(const Request& req) {
  if (const json* rc = find(req.conf.raw, "runtimeConfig")) {
    if (auto mac = mac_from(find(*rc, "mac"), "runtimeConfig.mac")) return mac;
  }
  if (const json* args = find(req.conf.raw, "args")) {
    if (const json* c = find(*args, "cni")) {
      if (auto mac = mac_from(find(*c, "mac"), "args.cni.mac")) return mac;
    }
  }
  if (auto mac = req.args.get("MAC")) {
    if (!is_mac(*mac)) {
      throw Error(Code::InvalidEnvironment, "CNI_ARGS: MAC=\"" + *mac + "\" is not a MAC address");
    }
    return mac;
  }
  return std::nullopt;
}

std::string required_ipam_type(const NetConf& conf) {
  if (conf.ipam.is_null())
    throw Error(Code::InvalidConfig, "ipam: missing (this plugin needs IPAM)");
  auto type = string_key(conf.ipam, "type");
  if (type.empty()) throw Error(Code::InvalidConfig, "ipam.type: missing IPAM plugin type");
  return type;
}

}  // namespace cni

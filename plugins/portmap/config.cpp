#include "config.hpp"

#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cni/conf_keys.hpp"
#include "cni/error.hpp"

namespace cni::portmap {
namespace {

using nlohmann::json;

constexpr int kMaxPort = 65535;
constexpr int kMaxMarkBit = 31;

const json* find(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// A key of a mapping, its error messages prefixed with the mapping's path.
template <typename F>
auto in_entry(const std::string& where, F&& read) {
  try {
    return read();
  } catch (const Error& e) {
    throw Error(e.code(), where + "." + e.msg());
  }
}

std::uint8_t protocol(const json& entry, const std::string& where) {
  std::string p = in_entry(where, [&] { return string_key(entry, "protocol"); });
  std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
  if (p == "tcp") return IPPROTO_TCP;
  if (p == "udp") return IPPROTO_UDP;
  if (p == "sctp") return IPPROTO_SCTP;
  throw Error(Code::InvalidConfig,
              where + ".protocol: \"" + entry.value("protocol", "") + "\" is not tcp, udp or sctp");
}

std::uint16_t port(const json& entry, const char* key, const std::string& where) {
  if (find(entry, key) == nullptr) {
    throw Error(Code::InvalidConfig, where + "." + key + ": missing (a port 1-65535)");
  }
  return static_cast<std::uint16_t>(
      in_entry(where, [&] { return int_key(entry, key, 0, 1, kMaxPort); }));
}

Mapping mapping(const json& entry, const std::string& where) {
  if (!entry.is_object()) throw Error(Code::DecodingFailure, where + ": must be an object");
  Mapping m;
  m.host_port = port(entry, "hostPort", where);
  m.container_port = port(entry, "containerPort", where);
  m.proto = protocol(entry, where);
  const std::string ip = in_entry(where, [&] { return string_key(entry, "hostIP"); });
  if (!ip.empty()) {
    m.host_ip = net::IpAddress::parse(ip);
    if (!m.host_ip) {
      throw Error(Code::InvalidConfig, where + ".hostIP: \"" + ip + "\" is not an IP address");
    }
  }
  return m;
}

std::vector<Mapping> mappings(const json& raw) {
  std::vector<Mapping> out;
  const json* rc = find(raw, "runtimeConfig");
  if (rc == nullptr) return out;
  if (!rc->is_object()) throw Error(Code::DecodingFailure, "runtimeConfig: must be an object");
  const json* list = find(*rc, "portMappings");
  if (list == nullptr) return out;
  if (!list->is_array()) {
    throw Error(Code::DecodingFailure, "runtimeConfig.portMappings: must be a list");
  }
  for (std::size_t i = 0; i < list->size(); ++i)
    out.push_back(mapping((*list)[i], "runtimeConfig.portMappings[" + std::to_string(i) + "]"));
  return out;
}

// Keys of the reference's iptables backend: what they mean for nftables rules.
void check_backend_keys(const json& raw) {
  const std::string backend = string_key(raw, "backend");
  if (!backend.empty() && backend != "nftables" && backend != "iptables") {
    throw Error(Code::InvalidConfig,
                "backend: \"" + backend + "\" is not supported (use \"nftables\" or \"iptables\")");
  }
  if (backend == "iptables") {
    spdlog::info(
        "backend \"iptables\": port mappings use nftables (the reference's nftables "
        "layout), no iptables");
  }
  const bool has_mark_bit = find(raw, "markMasqBit") != nullptr;
  const std::string chain = string_key(raw, "externalSetMarkChain");
  if (has_mark_bit && find(raw, "externalSetMarkChain") != nullptr) {
    throw Error(Code::InvalidConfig,
                "externalSetMarkChain: cannot be given together with markMasqBit");
  }
  // Masquerading here matches addresses and the connection's DNAT status, so no mark bit is
  // set: markMasqBit is checked and ignored (as the reference's nftables backend does).
  int_key(raw, "markMasqBit", 0, 0, kMaxMarkBit);
  if (find(raw, "externalSetMarkChain") != nullptr) {
    throw Error(Code::InvalidConfig,
                "externalSetMarkChain: \"" + chain +
                    "\" cannot be used: port mappings are nftables rules that masquerade by "
                    "address, not by an iptables mark chain (remove the key)");
  }
}

}  // namespace

Config parse_config_json(const json& raw) {
  Config c;
  c.snat = bool_key(raw, "snat", true);
  c.masq_all = bool_key(raw, "masqAll");
  check_backend_keys(raw);
  c.conditions_v4 =
      parse_conditions(raw.value("conditionsV4", json()), net::Family::V4, "conditionsV4");
  c.conditions_v6 =
      parse_conditions(raw.value("conditionsV6", json()), net::Family::V6, "conditionsV6");
  c.mappings = mappings(raw);
  return c;
}

Config parse_config(const Request& req) {
  return parse_config_json(req.conf.raw);
}

}  // namespace cni::portmap

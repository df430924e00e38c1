#include "config.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cni/conf_keys.hpp"
#include "cni/error.hpp"
#include "cni/validate.hpp"

namespace cni::ovs {

namespace {
using nlohmann::json;
constexpr int kMaxVlan = 4095;
constexpr int kMaxOfport = 65279;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw Error(Code::InvalidConfig, key + ": " + why);
}

// The flat file of defaults (ovs-cni's configuration_path): its keys go under the netconf's.
json with_flat_file(const json& raw) {
  const std::string path = string_key(raw, "configuration_path");
  if (path.empty()) return raw;
  std::ifstream in(path);
  if (!in) bad("configuration_path", "cannot read \"" + path + "\"");
  std::stringstream text;
  text << in.rdbuf();
  json flat = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (flat.is_discarded() || !flat.is_object()) {
    throw Error(Code::DecodingFailure, "configuration_path: \"" + path + "\" is not a JSON object");
  }
  json merged = raw;
  for (const auto& [k, v] : flat.items()) {
    if (!merged.contains(k) || merged[k].is_null()) merged[k] = v;
  }
  return merged;
}
}  // namespace

std::vector<int> parse_trunk(const json& list, const std::string& key) {
  if (!list.is_array()) throw Error(Code::DecodingFailure, key + ": must be a list");
  std::set<int> vlans;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    const std::string where = key + "[" + std::to_string(i) + "]";
    if (!item.is_object()) throw Error(Code::DecodingFailure, where + ": must be an object");
    auto id_of = [&](const char* k) -> std::optional<int> {
      try {
        if (!item.contains(k) || item[k].is_null()) return std::nullopt;
        return int_key(item, k, 0, 0, kMaxVlan);
      } catch (const Error& e) {
        throw Error(e.code(), where + "." + e.msg());
      }
    };
    const auto lo = id_of("minID");
    const auto hi = id_of("maxID");
    const auto id = id_of("id");
    if (lo.has_value() != hi.has_value()) bad(where, "minID and maxID must be given together");
    if (!lo && !id) bad(where, "needs an id or a minID/maxID range");
    if (lo) {
      if (*lo > *hi) bad(where, "minID " + std::to_string(*lo) + " is greater than maxID");
      for (int v = *lo; v <= *hi; ++v)
        vlans.insert(v);
    }
    if (id) vlans.insert(*id);
  }
  if (vlans.empty()) bad(key, "no VLAN given");
  return {vlans.begin(), vlans.end()};
}

Config parse_config(const Request& req) {
  const json raw = with_flat_file(req.conf.raw);
  Config c;
  c.bridge = string_key(raw, "bridge");
  if (c.bridge.empty()) bad("bridge", "required (the OVS bridge to attach to)");
  try {
    validate_ifname(c.bridge, "bridge");
  } catch (const Error& e) {
    throw Error(Code::InvalidConfig, e.msg());
  }
  if (auto v = int_key(raw, "vlan", -1, 0, kMaxVlan); v >= 0) c.vlan = v;
  if (raw.contains("trunk") && !raw["trunk"].is_null()) {
    if (raw["trunk"].is_array() && raw["trunk"].empty()) {
      c.trunks = std::vector<int>{};
    } else {
      c.trunks = parse_trunk(raw["trunk"], "trunk");
    }
  }
  if (c.vlan && c.trunks && !c.trunks->empty()) {
    bad("vlan", "cannot be used together with trunk (an access port carries one VLAN)");
  }
  c.mtu = mtu_key(raw);
  if (raw.contains("ofport_request") && !raw["ofport_request"].is_null())
    c.ofport_request = int_key(raw, "ofport_request", 0, 1, kMaxOfport);
  c.interface_type = string_key(raw, "interface_type");
  std::string sock = string_key(raw, "socket_file");
  if (sock.empty()) sock = ovsdb::kDefaultSocket;
  // ovs-cni also takes a bare path.
  if (sock.starts_with("/")) sock = "unix:" + sock;
  c.socket = ovsdb::parse_endpoint(sock, "socket_file");
  if (req.conf.ipam.is_object()) c.ipam_type = string_key(req.conf.ipam, "type");
  if (req.command == Command::Add || req.command == Command::Check) c.mac = requested_mac(req);
  return c;
}

}  // namespace cni::ovs

#include "config.hpp"

#include <nlohmann/json.hpp>

#include "cni/conf_keys.hpp"
#include "cni/error.hpp"
#include "cni/validate.hpp"

namespace cni::bridge {

namespace {
using nlohmann::json;
constexpr int kMaxVlan = 4094;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw Error(Code::InvalidConfig, key + ": " + why);
}

int vlan_id(const json& item, const char* key, const std::string& where) {
  try {
    return int_key(item, key, 0, 1, kMaxVlan);
  } catch (const Error& e) {
    throw Error(e.code(), where + "." + e.msg());
  }
}

// "vlanTrunk": [{"id": 5}, {"minID": 10, "maxID": 20}, ...] as the reference's
// collectVlanTrunk: an entry may carry an id, a range, or both.
std::vector<std::pair<int, int>> parse_trunk(const json& raw) {
  std::vector<std::pair<int, int>> out;
  auto it = raw.find("vlanTrunk");
  if (it == raw.end() || it->is_null()) return out;
  if (!it->is_array()) throw Error(Code::DecodingFailure, "vlanTrunk: must be a list");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    const std::string where = "vlanTrunk[" + std::to_string(i) + "]";
    if (!item.is_object()) throw Error(Code::DecodingFailure, where + ": must be an object");
    const bool has_min = item.contains("minID") && !item["minID"].is_null();
    const bool has_max = item.contains("maxID") && !item["maxID"].is_null();
    const bool has_id = item.contains("id") && !item["id"].is_null();
    if (has_min != has_max) bad(where, "minID and maxID must be given together");
    if (!has_min && !has_id) bad(where, "needs an id or a minID/maxID range");
    if (has_min) {
      const int lo = vlan_id(item, "minID", where);
      const int hi = vlan_id(item, "maxID", where);
      if (lo > hi) bad(where, "minID " + std::to_string(lo) + " is greater than maxID");
      out.emplace_back(lo, hi);
    }
    if (has_id) {
      const int id = vlan_id(item, "id", where);
      out.emplace_back(id, id);
    }
  }
  return out;
}
}  // namespace

Config parse_config(const Request& req) {
  const json& raw = req.conf.raw;
  Config c;
  if (auto name = string_key(raw, "bridge"); !name.empty()) c.bridge = name;
  try {
    validate_ifname(c.bridge, "bridge");
  } catch (const Error& e) {
    throw Error(Code::InvalidConfig, e.msg());
  }
  c.is_default_gateway = bool_key(raw, "isDefaultGateway");
  c.is_gateway = bool_key(raw, "isGateway") || c.is_default_gateway;
  c.force_address = bool_key(raw, "forceAddress");
  c.ip_masq = bool_key(raw, "ipMasq");
  check_masq_backend(raw);
  c.mtu = mtu_key(raw);
  c.hairpin = bool_key(raw, "hairpinMode");
  c.promisc = bool_key(raw, "promiscMode");
  if (c.hairpin && c.promisc) bad("hairpinMode", "cannot be used together with promiscMode");
  c.vlan = int_key(raw, "vlan", 0, 0, kMaxVlan);
  c.vlan_trunk = parse_trunk(raw);
  c.preserve_default_vlan = bool_key(raw, "preserveDefaultVlan");
  c.enable_dad = bool_key(raw, "enabledad");
  c.macspoofchk = bool_key(raw, "macspoofchk");
  c.disable_container_interface = bool_key(raw, "disableContainerInterface");
  c.port_isolation = bool_key(raw, "portIsolation");
  if (req.conf.ipam.is_object()) c.ipam_type = string_key(req.conf.ipam, "type");
  if (c.disable_container_interface && !c.ipam_type.empty()) {
    bad("disableContainerInterface", "cannot be used with IPAM (ipam.type \"" + c.ipam_type +
                                         "\"): the container interface stays down");
  }
  if (req.command == Command::Add || req.command == Command::Check) c.mac = requested_mac(req);
  return c;
}

}  // namespace cni::bridge

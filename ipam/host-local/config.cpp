#include "config.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cni/error.hpp"

namespace cni::ipam {

using nlohmann::json;

namespace {

const json& ipam_object(const json& raw) {
  auto it = raw.find("ipam");
  if (it == raw.end() || it->is_null()) {
    throw Error(Code::InvalidConfig, "ipam: IPAM config missing 'ipam' key");
  }
  if (!it->is_object()) throw Error(Code::DecodingFailure, "ipam: must be a JSON object");
  return *it;
}

// The member `key` of object `j`: nullptr when absent or null.
const json* member(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string optional_string(const json& j, const char* key, const std::string& field) {
  const json* v = member(j, key);
  if (!v) return {};
  if (!v->is_string()) throw Error(Code::DecodingFailure, field + ": must be a string");
  return v->get<std::string>();
}

const json* optional_list(const json& j, const char* key, const std::string& field) {
  const json* v = member(j, key);
  if (v && !v->is_array()) throw Error(Code::DecodingFailure, field + ": must be a list");
  return v;
}

std::string data_dir_of(const json& ipam) {
  auto dir = optional_string(ipam, "dataDir", "ipam.dataDir");
  if (dir.empty()) return kDefaultDataDir;
  if (dir.front() != '/') {
    throw Error(Code::InvalidConfig, "ipam.dataDir: \"" + dir + "\" is not an absolute path");
  }
  std::istringstream parts(dir);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part == "..") {
      throw Error(Code::InvalidConfig, "ipam.dataDir: \"" + dir + "\" must not contain \"..\"");
    }
  }
  if (dir.find('\0') != std::string::npos) {
    throw Error(Code::InvalidConfig, "ipam.dataDir: contains a NUL byte");
  }
  return dir;
}

int optional_int(const json& j, const char* key, const std::string& field, bool non_negative) {
  const json* v = member(j, key);
  if (!v) return 0;
  if (!v->is_number_integer()) throw Error(Code::DecodingFailure, field + ": must be an integer");
  // An unsigned JSON number above LLONG_MAX would wrap to a negative in get<long long>().
  const bool huge = v->is_number_unsigned() && v->get<unsigned long long>() > 0x7fffffffULL;
  auto n = v->get<long long>();
  if (huge || (non_negative && n < 0) || n > 0x7fffffff || n < -0x7fffffff) {
    throw Error(Code::InvalidConfig, field + ": " + v->dump() + " is out of range");
  }
  return static_cast<int>(n);
}

Route parse_route(const json& j, const std::string& field) {
  if (!j.is_object()) throw Error(Code::DecodingFailure, field + ": must be a JSON object");
  Route r;
  auto dst = optional_string(j, "dst", field + ".dst");
  if (dst.empty()) throw Error(Code::InvalidConfig, field + ".dst: missing");
  auto prefix = net::Prefix::parse(dst);
  if (!prefix) throw Error(Code::InvalidConfig, field + ".dst: invalid CIDR \"" + dst + "\"");
  r.dst = *prefix;
  if (auto gw = optional_string(j, "gw", field + ".gw"); !gw.empty()) {
    auto ip = net::IpAddress::parse(gw);
    if (!ip) throw Error(Code::InvalidConfig, field + ".gw: invalid IP address \"" + gw + "\"");
    r.gw = *ip;
  }
  r.mtu = optional_int(j, "mtu", field + ".mtu", true);
  r.advmss = optional_int(j, "advmss", field + ".advmss", true);
  r.priority = optional_int(j, "priority", field + ".priority", true);
  if (member(j, "table")) r.table = optional_int(j, "table", field + ".table", false);
  if (member(j, "scope")) r.scope = optional_int(j, "scope", field + ".scope", false);
  return r;
}

std::vector<RangeSet> parse_range_sets(const json& raw, const json& ipam) {
  std::vector<RangeSet> sets;
  // runtimeConfig.ipRanges first (prepended, as the reference), then the legacy keys, then
  // "ranges". The position is the range set's index (last_reserved_ip.<index>).
  if (const json* rc = member(raw, "runtimeConfig"); rc && rc->is_object()) {
    if (const json* list = optional_list(*rc, "ipRanges", "runtimeConfig.ipRanges")) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        sets.push_back(
            parse_range_set((*list)[i], "runtimeConfig.ipRanges[" + std::to_string(i) + "]"));
      }
    }
  }
  if (!optional_string(ipam, "subnet", "ipam.subnet").empty()) {
    sets.push_back(RangeSet{{parse_range(ipam, "ipam")}, "ipam"});
  } else {
    for (const char* key : {"rangeStart", "rangeEnd", "gateway"}) {
      if (member(ipam, key)) {
        spdlog::warn("ipam.{} is ignored without ipam.subnet (as the reference does)", key);
      }
    }
  }
  if (const json* list = optional_list(ipam, "ranges", "ipam.ranges")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      sets.push_back(parse_range_set((*list)[i], "ipam.ranges[" + std::to_string(i) + "]"));
    }
  }
  if (sets.empty()) {
    if (auto file = optional_string(ipam, "rangeFromFile", "ipam.rangeFromFile"); !file.empty()) {
      std::ifstream in(file);
      json j = json::parse(in, nullptr, false);
      if (!in.is_open() || j.is_discarded() || !j.is_object()) {
        throw Error(Code::InvalidConfig,
                    "ipam.rangeFromFile: cannot read a range object from \"" + file + "\"");
      }
      sets.push_back(RangeSet{{parse_range(j, "ipam.rangeFromFile")}, "ipam.rangeFromFile"});
    }
  }
  if (sets.empty()) throw Error(Code::InvalidConfig, "ipam.ranges: no IP ranges specified");
  return sets;
}

void check_sets(const std::vector<RangeSet>& sets, Version version) {
  int v4 = 0;
  int v6 = 0;
  for (const auto& s : sets)
    (s.family() == net::Family::V4 ? v4 : v6)++;
  if ((v4 > 1 || v6 > 1) && version < Version::V0_3_0) {
    throw Error(Code::InvalidConfig, "ipam.ranges: CNI version " + std::string(to_string(version)) +
                                         " does not support more than 1 address per family");
  }
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t j = i + 1; j < sets.size(); ++j) {
      if (sets[i].overlaps(sets[j])) {
        throw Error(Code::InvalidConfig, sets[j].field + ": range set " + std::to_string(j) +
                                             " overlaps with range set " + std::to_string(i) +
                                             " (" + sets[i].field + ")");
      }
    }
  }
}

// "ip" or "ip/prefix" (the prefix is ignored, as the reference's ip.IP).
std::optional<net::IpAddress> parse_requested(const std::string& text) {
  if (auto ip = net::IpAddress::parse(text)) return canonical(*ip);
  if (auto p = net::Prefix::parse(text)) return canonical(p->address());
  return std::nullopt;
}

void add_requested_list(const json* list, const std::string& field, std::vector<RequestedIp>& out) {
  if (!list) return;
  if (!list->is_array()) throw Error(Code::DecodingFailure, field + ": must be a list");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto f = field + "[" + std::to_string(i) + "]";
    const auto& v = (*list)[i];
    if (!v.is_string()) throw Error(Code::DecodingFailure, f + ": must be a string");
    auto ip = parse_requested(v.get<std::string>());
    if (!ip) {
      throw Error(Code::InvalidConfig, f + ": invalid IP address \"" + v.get<std::string>() + "\"");
    }
    out.push_back({*ip, f});
  }
}

std::vector<RequestedIp> parse_requested_ips(const json& raw, const CniArgs& args) {
  std::vector<RequestedIp> all;
  // CNI_ARGS: the reference loads them into {CommonArgs; IP}: any other key is an error
  // unless IgnoreUnknown is set. We also accept a comma-separated list in IP.
  args.require_known({"IP"});
  if (auto value = args.get("IP")) {
    std::istringstream parts(*value);
    std::string part;
    bool any = false;
    while (std::getline(parts, part, ',')) {
      any = true;
      auto ip = parse_requested(part);
      if (!ip) {
        throw Error(Code::InvalidEnvironment, "CNI_ARGS: IP: invalid IP address \"" + part + "\"");
      }
      all.push_back({*ip, "CNI_ARGS IP"});
    }
    if (!any) throw Error(Code::InvalidEnvironment, "CNI_ARGS: IP: empty value");
  }
  if (const json* a = member(raw, "args"); a && a->is_object()) {
    if (const json* c = member(*a, "cni")) {
      if (!c->is_object()) throw Error(Code::DecodingFailure, "args.cni: must be a JSON object");
      add_requested_list(member(*c, "ips"), "args.cni.ips", all);
    }
  }
  if (const json* rc = member(raw, "runtimeConfig"); rc && rc->is_object()) {
    add_requested_list(member(*rc, "ips"), "runtimeConfig.ips", all);
  }
  std::vector<RequestedIp> unique;
  for (auto& r : all) {
    bool dup = false;
    for (const auto& u : unique)
      dup = dup || u.ip == r.ip;
    if (!dup) unique.push_back(std::move(r));
  }
  return unique;
}

std::string all_sets_text(const std::vector<RangeSet>& sets) {
  std::string out;
  for (const auto& s : sets)
    out += (out.empty() ? "" : "; ") + s.to_string();
  return out;
}

void check_requested(const std::vector<RequestedIp>& requested, const std::vector<RangeSet>& sets) {
  std::vector<const RequestedIp*> per_set(sets.size(), nullptr);
  for (const auto& r : requested) {
    const auto ip = r.ip.to_string();
    std::size_t i = 0;
    const Range* range = nullptr;
    for (; i < sets.size() && !range; ++i)
      range = sets[i].range_for(r.ip);
    if (!range) {
      throw Error(Code::InvalidConfig, r.source + ": requested address " + ip +
                                           " is outside every range (" + all_sets_text(sets) + ")");
    }
    --i;
    if (r.ip == range->gateway) {
      throw Error(Code::InvalidConfig, r.source + ": requested address " + ip +
                                           " is the gateway of " + range->subnet.to_string());
    }
    if (range->is_skipped(r.ip)) {
      throw Error(Code::InvalidConfig,
                  r.source + ": requested address " + ip + " is the " +
                      (r.ip == range->subnet.address() ? "network" : "broadcast") + " address of " +
                      range->subnet.to_string());
    }
    if (per_set[i]) {
      throw Error(Code::InvalidConfig,
                  r.source + ": requested addresses " + per_set[i]->ip.to_string() + " and " + ip +
                      " are both in range set " + std::to_string(i) + " (" + sets[i].field +
                      "); one address is allocated per range set");
    }
    per_set[i] = &r;
  }
}

}  // namespace

IpamConfig parse_config(const json& raw, Version version, const CniArgs& args) {
  const json& ipam = ipam_object(raw);
  IpamConfig c;
  if (optional_string(ipam, "type", "ipam.type").empty()) {
    throw Error(Code::InvalidConfig, "ipam.type: missing IPAM plugin type");
  }
  c.network = optional_string(raw, "name", "name");
  c.data_dir = data_dir_of(ipam);
  c.resolv_conf = optional_string(ipam, "resolvConf", "ipam.resolvConf");
  if (const json* routes = optional_list(ipam, "routes", "ipam.routes")) {
    for (std::size_t i = 0; i < routes->size(); ++i) {
      c.routes.push_back(parse_route((*routes)[i], "ipam.routes[" + std::to_string(i) + "]"));
    }
  }
  c.range_sets = parse_range_sets(raw, ipam);
  check_sets(c.range_sets, version);
  c.requested = parse_requested_ips(raw, args);
  check_requested(c.requested, c.range_sets);
  return c;
}

std::string parse_data_dir(const json& raw) {
  return data_dir_of(ipam_object(raw));
}

}  // namespace cni::ipam

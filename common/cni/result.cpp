#include "cni/result.hpp"

#include <climits>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "cni/error.hpp"

namespace cni {

namespace {

using nlohmann::json;

// ---- error helpers ---------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(Code::DecodingFailure, path + ": " + what);
}

// A JSON-quoted copy of s for messages; never throws (invalid UTF-8 is replaced) and is bounded.
std::string quote(const std::string& s) {
  constexpr std::size_t kMax = 200;
  std::string text = s.size() > kMax ? s.substr(0, kMax) : s;
  std::string out = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > kMax) out += "...";
  return out;
}

// "string \"abc\"", "number 1.5", "array", ... for "expected X, got Y" messages.
std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return "string " + quote(v.get_ref<const std::string&>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
    case json::value_t::boolean:
      return std::string(v.type_name()) + " " + v.dump();
    default:
      return v.type_name();
  }
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// ---- typed accessors -------------------------------------------------------------------------

// The member `key` of `obj`, or nullptr when absent or null (Go's decoder leaves a field untouched
// for a JSON null, so null means "not set").
const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& required(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  if (!v) fail(join(path, key), "missing required field");
  return *v;
}

void expect_object(const json& v, const std::string& path) {
  if (!v.is_object()) fail(path, "expected a JSON object, got " + describe(v));
}

void expect_array(const json& v, const std::string& path) {
  if (!v.is_array()) fail(path, "expected a JSON array, got " + describe(v));
}

const std::string& as_string(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "expected a string, got " + describe(v));
  return v.get_ref<const std::string&>();
}

int as_int(const json& v, const std::string& path) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT_MAX)) fail(path, v.dump() + " is out of range");
    return static_cast<int>(u);
  }
  if (v.is_number_integer()) {
    auto i = v.get<std::int64_t>();
    if (i < INT_MIN || i > INT_MAX) fail(path, v.dump() + " is out of range");
    return static_cast<int>(i);
  }
  fail(path, "expected an integer, got " + describe(v));
}

net::Prefix as_prefix(const json& v, const std::string& path) {
  const auto& s = as_string(v, path);
  auto p = net::Prefix::parse(s);
  if (!p) fail(path, quote(s) + " is not an IP address with prefix length");
  return *p;
}

net::IpAddress as_ip(const json& v, const std::string& path) {
  const auto& s = as_string(v, path);
  auto a = net::IpAddress::parse(s);
  if (!a) fail(path, quote(s) + " is not an IP address");
  return *a;
}

std::string opt_string(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  return v ? as_string(*v, join(path, key)) : std::string();
}

int opt_int(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  return v ? as_int(*v, join(path, key)) : 0;
}

std::optional<int> opt_int_ptr(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  if (!v) return std::nullopt;
  return as_int(*v, join(path, key));
}

std::optional<net::IpAddress> opt_ip(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  if (!v) return std::nullopt;
  return as_ip(*v, join(path, key));
}

std::vector<std::string> opt_string_array(const json& obj, const char* key,
                                          const std::string& path) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (!v) return out;
  const std::string p = join(path, key);
  expect_array(*v, p);
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(as_string((*v)[i], index(p, i)));
  return out;
}

const char* family_name(net::Family f) {
  return f == net::Family::V4 ? "4" : "6";
}

// ---- element parsers -------------------------------------------------------------------------

Interface parse_interface(const json& v, Version version, const std::string& path) {
  expect_object(v, path);
  Interface i;
  i.name = as_string(required(v, "name", path), join(path, "name"));
  i.mac = opt_string(v, "mac", path);
  i.sandbox = opt_string(v, "sandbox", path);
  if (version >= Version::V1_0_0) {
    i.mtu = opt_int(v, "mtu", path);
    i.socket_path = opt_string(v, "socketPath", path);
    i.pci_id = opt_string(v, "pciID", path);
  }
  return i;
}

IpConfig parse_ip(const json& v, Version version, std::size_t n_interfaces,
                  const std::string& path) {
  expect_object(v, path);
  IpConfig ip;
  ip.address = as_prefix(required(v, "address", path), join(path, "address"));
  ip.gateway = opt_ip(v, "gateway", path);
  ip.interface = opt_int_ptr(v, "interface", path);
  if (ip.interface &&
      (*ip.interface < 0 || static_cast<std::size_t>(*ip.interface) >= n_interfaces)) {
    fail(join(path, "interface"), "interface index " + std::to_string(*ip.interface) +
                                      " is out of range (the result has " +
                                      std::to_string(n_interfaces) + " interfaces)");
  }
  if (ips_carry_version(version)) {
    if (const json* ver = member(v, "version")) {
      const std::string p = join(path, "version");
      const auto& s = as_string(*ver, p);
      if (s != "4" && s != "6") fail(p, "expected \"4\" or \"6\", got " + quote(s));
      if (s != family_name(ip.address.family())) {
        fail(p,
             quote(s) + " does not match the address family of " + quote(ip.address.to_string()));
      }
    }
  }
  return ip;
}

Route parse_route(const json& v, const std::string& path) {
  expect_object(v, path);
  Route r;
  r.dst = as_prefix(required(v, "dst", path), join(path, "dst"));
  r.gw = opt_ip(v, "gw", path);
  r.mtu = opt_int(v, "mtu", path);
  r.advmss = opt_int(v, "advmss", path);
  r.priority = opt_int(v, "priority", path);
  r.table = opt_int_ptr(v, "table", path);
  r.scope = opt_int_ptr(v, "scope", path);
  return r;
}

std::vector<Route> parse_routes(const json& obj, const std::string& path) {
  std::vector<Route> out;
  const json* v = member(obj, "routes");
  if (!v) return out;
  const std::string p = join(path, "routes");
  expect_array(*v, p);
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i)
    out.push_back(parse_route((*v)[i], index(p, i)));
  return out;
}

// One of the 0.1/0.2 "ip4"/"ip6" objects: appends its address and routes to r.
void parse_legacy_ip(const json& obj, const char* key, net::Family family, Result& r,
                     const std::string& path) {
  const json* v = member(obj, key);
  if (!v) return;
  const std::string p = join(path, key);
  expect_object(*v, p);
  IpConfig ip;
  ip.address = as_prefix(required(*v, "ip", p), join(p, "ip"));
  if (ip.address.family() != family) {
    fail(join(p, "ip"),
         quote(ip.address.to_string()) + " is not an IPv" + family_name(family) + " address");
  }
  ip.gateway = opt_ip(*v, "gateway", p);
  r.ips.push_back(ip);
  for (const auto& route : parse_routes(*v, p))
    r.routes.push_back(route);
}

void reject_key(const json& obj, const char* key, Version version, const char* shape,
                const std::string& path) {
  if (obj.contains(key)) {
    fail(join(path, key), "a version " + std::string(to_string(version)) + " result has no \"" +
                              key + "\" (that is the " + shape + " result shape)");
  }
}

Result parse_result_unchecked(const json& j, Version version, const std::string& field) {
  expect_object(j, field.empty() ? std::string("result") : field);
  Result r;
  if (has_legacy_result(version)) {
    reject_key(j, "ips", version, "0.3.0+", field);
    reject_key(j, "interfaces", version, "0.3.0+", field);
    parse_legacy_ip(j, "ip4", net::Family::V4, r, field);
    parse_legacy_ip(j, "ip6", net::Family::V6, r, field);
  } else {
    reject_key(j, "ip4", version, "0.1.0/0.2.0", field);
    reject_key(j, "ip6", version, "0.1.0/0.2.0", field);
    if (const json* ifs = member(j, "interfaces")) {
      const std::string p = join(field, "interfaces");
      expect_array(*ifs, p);
      for (std::size_t i = 0; i < ifs->size(); ++i) {
        r.interfaces.push_back(parse_interface((*ifs)[i], version, index(p, i)));
      }
    }
    if (const json* ips = member(j, "ips")) {
      const std::string p = join(field, "ips");
      expect_array(*ips, p);
      for (std::size_t i = 0; i < ips->size(); ++i) {
        r.ips.push_back(parse_ip((*ips)[i], version, r.interfaces.size(), index(p, i)));
      }
    }
    r.routes = parse_routes(j, field);
  }
  if (const json* dns = member(j, "dns")) r.dns = parse_dns(*dns, join(field, "dns"));
  return r;
}

// ---- renderers -------------------------------------------------------------------------------

json render_interface(const Interface& i, Version version) {
  json o = json::object();
  o["name"] = i.name;
  if (!i.mac.empty()) o["mac"] = i.mac;
  if (!i.sandbox.empty()) o["sandbox"] = i.sandbox;
  if (version >= Version::V1_1_0) {
    if (i.mtu != 0) o["mtu"] = i.mtu;
    if (!i.socket_path.empty()) o["socketPath"] = i.socket_path;
    if (!i.pci_id.empty()) o["pciID"] = i.pci_id;
  }
  return o;
}

json render_ip(const IpConfig& ip, Version version) {
  json o = json::object();
  o["address"] = ip.address.to_string();
  if (ip.gateway) o["gateway"] = ip.gateway->to_string();
  if (ip.interface) o["interface"] = *ip.interface;
  if (ips_carry_version(version)) o["version"] = family_name(ip.address.family());
  return o;
}

json render_route(const Route& r, Version version) {
  json o = json::object();
  o["dst"] = r.dst.to_string();
  if (r.gw) o["gw"] = r.gw->to_string();
  if (version >= Version::V1_1_0) {
    if (r.mtu != 0) o["mtu"] = r.mtu;
    if (r.advmss != 0) o["advmss"] = r.advmss;
    if (r.priority != 0) o["priority"] = r.priority;
    if (r.table) o["table"] = *r.table;
    if (r.scope) o["scope"] = *r.scope;
  }
  return o;
}

// The 0.1/0.2 shape, as the reference's convertTo02x: the first address of each family, each
// route under the object of its destination's family (dropped when that family has no address),
// only dst and gw kept.
json render_legacy(const Result& r, Version version) {
  const IpConfig* ip4 = nullptr;
  const IpConfig* ip6 = nullptr;
  for (const auto& ip : r.ips) {
    if (ip.address.family() == net::Family::V4 && !ip4) {
      ip4 = &ip;
    } else if (ip.address.family() == net::Family::V6 && !ip6) {
      ip6 = &ip;
    }
    if (ip4 && ip6) break;
  }
  if (!ip4 && !ip6) {
    throw Error(Code::IncompatibleVersion, "cannot convert result to version " +
                                               std::string(to_string(version)) + ": no IP address");
  }
  json out = json::object();
  out["cniVersion"] = to_string(version);
  auto legacy_ip = [&](const IpConfig& ip, net::Family family) {
    json o = json::object();
    o["ip"] = ip.address.to_string();
    if (ip.gateway) o["gateway"] = ip.gateway->to_string();
    json routes = json::array();
    for (const auto& route : r.routes) {
      if (route.dst.family() != family) continue;
      json ro = json::object();
      ro["dst"] = route.dst.to_string();
      if (route.gw) ro["gw"] = route.gw->to_string();
      routes.push_back(std::move(ro));
    }
    if (!routes.empty()) o["routes"] = std::move(routes);
    return o;
  };
  if (ip4) out["ip4"] = legacy_ip(*ip4, net::Family::V4);
  if (ip6) out["ip6"] = legacy_ip(*ip6, net::Family::V6);
  out["dns"] = render_dns(r.dns);
  return out;
}

}  // namespace

Result parse_result(const json& j, Version version, const std::string& field) {
  try {
    return parse_result_unchecked(j, version, field);
  } catch (const Error&) {
    throw;
  } catch (const json::exception& e) {
    // Unreachable by construction (every access is type-checked); kept so that no library
    // exception can escape as anything but a decoding error.
    throw Error(Code::DecodingFailure, (field.empty() ? "result" : field) + ": " + e.what());
  }
}

json render_result(const Result& r, Version version) {
  if (has_legacy_result(version)) return render_legacy(r, version);
  json out = json::object();
  out["cniVersion"] = to_string(version);
  if (!r.interfaces.empty()) {
    json a = json::array();
    for (const auto& i : r.interfaces)
      a.push_back(render_interface(i, version));
    out["interfaces"] = std::move(a);
  }
  if (!r.ips.empty()) {
    json a = json::array();
    for (const auto& ip : r.ips)
      a.push_back(render_ip(ip, version));
    out["ips"] = std::move(a);
  }
  if (!r.routes.empty()) {
    json a = json::array();
    for (const auto& route : r.routes)
      a.push_back(render_route(route, version));
    out["routes"] = std::move(a);
  }
  out["dns"] = render_dns(r.dns);
  return out;
}

Dns parse_dns(const json& j, const std::string& field) {
  Dns d;
  if (j.is_null()) return d;  // as Go's decoder: null leaves the zero value
  try {
    expect_object(j, field.empty() ? std::string("dns") : field);
    d.nameservers = opt_string_array(j, "nameservers", field);
    d.domain = opt_string(j, "domain", field);
    d.search = opt_string_array(j, "search", field);
    d.options = opt_string_array(j, "options", field);
  } catch (const json::exception& e) {
    throw Error(Code::DecodingFailure, (field.empty() ? "dns" : field) + ": " + e.what());
  }
  return d;
}

json render_dns(const Dns& d) {
  json o = json::object();
  if (!d.nameservers.empty()) o["nameservers"] = d.nameservers;
  if (!d.domain.empty()) o["domain"] = d.domain;
  if (!d.search.empty()) o["search"] = d.search;
  if (!d.options.empty()) o["options"] = d.options;
  return o;
}

}  // namespace cni

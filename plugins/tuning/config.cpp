#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "cni/error.hpp"
#include "mac.hpp"
#include "sysctl_key.hpp"

namespace cni::tuning {

namespace {

using nlohmann::json;

constexpr int kMinMtu = 68;
constexpr int kMaxMtu = 65535;

const json* find(const json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string name(std::string_view prefix, const char* key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + key;
}

std::optional<bool> opt_bool(const json& o, std::string_view prefix, const char* key) {
  const json* v = find(o, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    throw Error(Code::DecodingFailure, name(prefix, key) + ": must be a boolean");
  return v->get<bool>();
}

std::optional<std::string> opt_string(const json& o, std::string_view prefix, const char* key) {
  const json* v = find(o, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw Error(Code::DecodingFailure, name(prefix, key) + ": must be a string");
  return v->get<std::string>();
}

std::optional<long long> opt_int(const json& o, std::string_view prefix, const char* key,
                                 long long min, long long max) {
  const json* v = find(o, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    throw Error(Code::DecodingFailure, name(prefix, key) + ": must be an integer");
  }
  const bool huge = v->is_number_unsigned() &&
                    v->get<unsigned long long>() >
                        static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  const auto n = v->get<long long>();
  if (huge || n < min || n > max) {
    throw Error(Code::InvalidConfig, name(prefix, key) + ": " + v->dump() + " is out of range [" +
                                         std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return n;
}

// "mtu": 0 leaves the MTU alone, anything else must be a usable Ethernet MTU.
std::optional<int> opt_mtu(const json& o, std::string_view prefix) {
  auto n = opt_int(o, prefix, "mtu", std::numeric_limits<int>::min(), kMaxMtu);
  if (!n) return std::nullopt;
  if (*n != 0 && *n < kMinMtu) {
    throw Error(Code::InvalidConfig, name(prefix, "mtu") + ": " + std::to_string(*n) +
                                         " is out of range [" + std::to_string(kMinMtu) + ", " +
                                         std::to_string(kMaxMtu) + "] (0 leaves it unchanged)");
  }
  return static_cast<int>(*n);
}

std::string checked_mac(const std::string& mac, const std::string& field, Code code) {
  auto norm = normalise_mac(mac);
  if (!norm)
    throw Error(code, field + ": \"" + mac + "\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
  if (!is_assignable_mac(*norm)) {
    throw Error(code, field + ": \"" + mac + "\" is not a unicast MAC address");
  }
  return *norm;
}

// The reference's precedence, lowest first: "mac", CNI_ARGS MAC=, runtimeConfig.mac,
// args.cni.mac (which, when present, wins even when empty).
std::optional<std::string> merged_mac(const Request& req, const json* cni_args) {
  const json& raw = req.conf.raw;
  std::optional<std::string> mac;
  std::string field;
  if (auto m = opt_string(raw, "", "mac"); m && !m->empty()) {
    mac = m;
    field = "mac";
  }
  if (auto m = req.args.get("MAC"); m && !m->empty()) {
    mac = m;
    field = "CNI_ARGS: MAC";
  }
  if (const json* rc = find(raw, "runtimeConfig")) {
    if (auto m = opt_string(*rc, "runtimeConfig", "mac"); m && !m->empty()) {
      mac = m;
      field = "runtimeConfig.mac";
    }
  }
  if (cni_args) {
    if (auto m = opt_string(*cni_args, "args.cni", "mac")) {
      mac = m->empty() ? std::nullopt : m;
      field = "args.cni.mac";
    }
  }
  if (!mac) return std::nullopt;
  return checked_mac(*mac, field,
                     field == "CNI_ARGS: MAC" ? Code::InvalidEnvironment : Code::InvalidConfig);
}

void add_sysctls(std::vector<Sysctl>& out, const json& map, const std::string& field,
                 const std::string& ifname, bool overrides) {
  if (!map.is_object()) {
    throw Error(Code::DecodingFailure, field + ": must be an object of sysctl names to values");
  }
  std::vector<Sysctl> mine;
  for (const auto& [key, value] : map.items()) {
    if (!value.is_string()) {
      throw Error(Code::DecodingFailure, sysctl_field(field, key) + ": must be a string");
    }
    mine.push_back(
        {.field = field, .key = key, .path = sysctl_path(key, ifname, field), .value = value});
  }
  for (auto& s : mine) {
    auto same =
        std::find_if(out.begin(), out.end(), [&](const Sysctl& o) { return o.path == s.path; });
    if (same == out.end()) {
      out.push_back(std::move(s));
    } else if (overrides) {
      *same = std::move(s);
    } else {
      throw Error(Code::InvalidConfig, sysctl_field(field, s.key) + " and " +
                                           sysctl_field(field, same->key) + " name the same file");
    }
  }
}

// SAX handler: records the keys of top-level "sysctl" objects (any case, as Go's decoder
// matches fields) and fails on the first one seen twice.
class DuplicateFinder : public nlohmann::json_sax<json> {
 public:
  std::optional<std::string> duplicate;

  bool key(string_t& k) override {
    if (depth_ == 1) {
      in_sysctl_ = equals_ignore_case(k, "sysctl");
    } else if (depth_ == 2 && in_sysctl_ && sysctl_depth_ == 2) {
      if (!seen_.insert(k).second) {
        duplicate = k;
        return false;
      }
    }
    return true;
  }
  bool start_object(std::size_t /*n*/) override {
    ++depth_;
    if (depth_ == 2 && in_sysctl_) sysctl_depth_ = 2;
    return true;
  }
  bool end_object() override {
    if (depth_ == 2) sysctl_depth_ = 0;
    --depth_;
    return true;
  }
  bool start_array(std::size_t /*n*/) override {
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool null() override { return true; }
  bool boolean(bool /*v*/) override { return true; }
  bool number_integer(number_integer_t /*v*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*v*/) override { return true; }
  bool number_float(number_float_t /*v*/, const string_t& /*s*/) override { return true; }
  bool string(string_t& /*v*/) override { return true; }
  bool binary(binary_t& /*v*/) override { return true; }
  bool parse_error(std::size_t /*pos*/, const std::string& /*tok*/,
                   const nlohmann::detail::exception& /*e*/) override {
    return false;  // the skel has parsed this text already
  }

 private:
  static bool equals_ignore_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }
  int depth_ = 0;
  int sysctl_depth_ = 0;
  bool in_sysctl_ = false;
  std::set<std::string> seen_;
};

}  // namespace

void refuse_duplicate_sysctls(std::string_view stdin_data) {
  DuplicateFinder finder;
  json::sax_parse(stdin_data.begin(), stdin_data.end(), &finder);
  if (finder.duplicate) {
    throw Error(Code::InvalidConfig,
                sysctl_field("sysctl", *finder.duplicate) + ": duplicated sysctl key");
  }
}

std::string parse_data_dir(const json& raw) {
  auto dir = opt_string(raw, "", "dataDir").value_or("");
  if (dir.empty()) return kDefaultDataDir;
  if (dir.front() != '/') {
    throw Error(Code::InvalidConfig, "dataDir: \"" + dir + "\" is not an absolute path");
  }
  if (dir.find('\0') != std::string::npos) {
    throw Error(Code::InvalidConfig, "dataDir: contains a NUL byte");
  }
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  return dir;
}

Config parse_config(const Request& req) {
  const json& raw = req.conf.raw;
  refuse_duplicate_sysctls(req.stdin_data);
  req.args.require_known({"MAC"});
  Config c;
  c.data_dir = parse_data_dir(raw);
  const json* args = find(raw, "args");
  const json* cni_args = args ? find(*args, "cni") : nullptr;
  if (cni_args && !cni_args->is_object()) {
    throw Error(Code::DecodingFailure, "args.cni: must be an object");
  }

  if (const json* m = find(raw, "sysctl")) add_sysctls(c.sysctls, *m, "sysctl", req.ifname, false);
  if (cni_args) {
    if (const json* m = find(*cni_args, "sysctl")) {
      add_sysctls(c.sysctls, *m, "args.cni.sysctl", req.ifname, true);
    }
  }
  c.mac = merged_mac(req, cni_args);
  c.promisc = opt_bool(raw, "", "promisc").value_or(false);
  c.mtu = opt_mtu(raw, "").value_or(0);
  c.allmulti = opt_bool(raw, "", "allmulti");
  constexpr long long kMaxTxqlen = std::numeric_limits<std::uint32_t>::max();
  if (auto q = opt_int(raw, "", "txQLen", 0, kMaxTxqlen)) c.txqlen = static_cast<std::uint32_t>(*q);
  if (cni_args) {
    if (auto p = opt_bool(*cni_args, "args.cni", "promisc")) c.promisc = *p;
    if (auto m = opt_mtu(*cni_args, "args.cni")) c.mtu = *m;
    if (auto a = opt_bool(*cni_args, "args.cni", "allmulti")) c.allmulti = a;
    if (auto q = opt_int(*cni_args, "args.cni", "txQLen", 0, kMaxTxqlen)) {
      c.txqlen = static_cast<std::uint32_t>(*q);
    }
  }
  return c;
}

}  // namespace cni::tuning

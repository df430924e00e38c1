#include "backup.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "cni/validate.hpp"
#include "mac.hpp"

namespace cni::tuning {

namespace {

using nlohmann::json;

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(Code::DecodingFailure, "backup file: " + what);
}

std::optional<bool> opt_bool(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) corrupt(std::string(key) + ": must be a boolean");
  return it->get<bool>();
}

// An integer within [min, max], nullopt when absent or null.
std::optional<long long> opt_int(const json& o, const char* key, long long min, long long max) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) corrupt(std::string(key) + ": must be an integer");
  const bool huge = it->is_number_unsigned() &&
                    it->get<unsigned long long>() >
                        static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  const auto n = it->get<long long>();
  if (huge || n < min || n > max)
    corrupt(std::string(key) + ": " + it->dump() + " is out of range");
  return n;
}

bool valid_ifname(std::string_view s) {
  try {
    validate_ifname(s);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool valid_container_id(std::string_view s) {
  try {
    validate_container_id(s);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

std::string render_backup(const Backup& b) {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  if (b.mac && !b.mac->empty()) o["mac"] = *b.mac;
  if (b.promisc) o["promisc"] = *b.promisc;
  if (b.mtu != 0) o["mtu"] = b.mtu;
  if (b.allmulti) o["allmulti"] = *b.allmulti;
  if (b.txqlen) o["txQLen"] = *b.txqlen;
  if (!b.network.empty()) o["network"] = b.network;
  return o.dump(1);
}

Backup parse_backup(std::string_view text) {
  const json o = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (o.is_discarded()) corrupt("not JSON");
  if (!o.is_object()) corrupt("not a JSON object");
  Backup b;
  if (auto it = o.find("mac"); it != o.end() && !it->is_null()) {
    if (!it->is_string()) corrupt("mac: must be a string");
    const auto mac = it->get<std::string>();
    if (!mac.empty()) {
      auto norm = normalise_mac(mac);
      if (!norm) corrupt("mac: \"" + it->get<std::string>().substr(0, 64) + "\" is not a MAC");
      b.mac = *norm;
    }
  }
  b.promisc = opt_bool(o, "promisc");
  b.mtu = static_cast<int>(opt_int(o, "mtu", 0, std::numeric_limits<int>::max()).value_or(0));
  b.allmulti = opt_bool(o, "allmulti");
  if (auto q = opt_int(o, "txQLen", 0, std::numeric_limits<std::uint32_t>::max())) {
    b.txqlen = static_cast<std::uint32_t>(*q);
  }
  if (auto it = o.find("network"); it != o.end() && it->is_string()) {
    b.network = it->get<std::string>();
  }
  return b;
}

std::string backup_file_name(std::string_view container_id, std::string_view ifname) {
  return std::string(container_id) + "_" + std::string(ifname) + ".json";
}

bool is_backup_file_name(std::string_view name) {
  constexpr std::string_view kExt = ".json";
  if (name.size() <= kExt.size() || !name.ends_with(kExt)) return false;
  const std::string_view stem = name.substr(0, name.size() - kExt.size());
  for (std::size_t at = stem.find('_'); at != std::string_view::npos; at = stem.find('_', at + 1)) {
    if (valid_container_id(stem.substr(0, at)) && valid_ifname(stem.substr(at + 1))) return true;
  }
  return false;
}

}  // namespace cni::tuning

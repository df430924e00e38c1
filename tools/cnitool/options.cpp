#include "options.hpp"

#include <nlohmann/json.hpp>

#include "cni/cni_args.hpp"
#include "cni/error.hpp"
#include "cni/skel.hpp"
#include "container_id.hpp"

namespace cni::tool {

namespace {
constexpr const char* kDefaultNetDir = "/etc/cni/net.d";
constexpr const char* kDefaultCacheDir = "/var/lib/cni";

std::optional<ToolCommand> parse_command(const std::string& s) {
  if (s == "add") return ToolCommand::Add;
  if (s == "check") return ToolCommand::Check;
  if (s == "del") return ToolCommand::Del;
  if (s == "gc") return ToolCommand::Gc;
  if (s == "status") return ToolCommand::Status;
  return std::nullopt;
}

std::string env_or(const Getenv& getenv, const std::string& key, const std::string& fallback) {
  auto v = getenv(key);
  return v && !v->empty() ? *v : fallback;
}

std::vector<std::pair<std::string, std::string>> parse_cni_args(const std::string& text) {
  auto pairs = CniArgs::parse(text).pairs();
  for (const auto& [k, v] : pairs) {
    if (v.empty()) {
      throw Error(Code::InvalidEnvironment,
                  "CNI_ARGS: invalid pair \"" + k + "=\" (want KEY=VALUE, both non-empty)");
    }
  }
  return pairs;
}

nlohmann::json parse_capability_args(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !(j.is_object() || j.is_null())) {
    throw Error(Code::DecodingFailure, "CAP_ARGS: not a JSON object");
  }
  return j;
}
}  // namespace

std::optional<Options> parse_options(const std::vector<std::string>& args, const Getenv& getenv,
                                     const std::string& cwd) {
  Options o;
  std::vector<std::string> positional;
  for (const auto& a : args) {
    if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty()) return std::nullopt;
  auto command = parse_command(positional[0]);
  if (!command) return std::nullopt;
  bool netns_optional = *command == ToolCommand::Gc || *command == ToolCommand::Status;
  if (positional.size() > 3 || positional.size() < (netns_optional ? 2u : 3u)) return std::nullopt;
  o.command = *command;
  o.network = positional[1];
  o.netconf_dir = env_or(getenv, "NETCONFPATH", kDefaultNetDir);

  Runtime& rt = o.runtime;
  if (positional.size() == 3) rt.netns = absolute_path(positional[2], cwd);
  auto ifname = getenv("CNI_IFNAME");
  rt.ifname = ifname ? *ifname : "eth0";
  rt.args = parse_cni_args(getenv("CNI_ARGS").value_or(""));
  rt.capability_args = parse_capability_args(getenv("CAP_ARGS").value_or(""));
  rt.container_id = env_or(getenv, "CNI_CONTAINERID", container_id_for(rt.netns));
  rt.cni_path = split_cni_path(getenv("CNI_PATH").value_or(""));
  rt.cache_dir = env_or(getenv, "CNI_CACHE_DIR", kDefaultCacheDir);
  return o;
}

}  // namespace cni::tool

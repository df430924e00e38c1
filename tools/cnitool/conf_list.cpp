#include "conf_list.hpp"

#include <algorithm>
#include <cctype>

#include "cni/error.hpp"
#include "spec_version.hpp"

namespace cni::tool {

using nlohmann::json;

namespace {
Error invalid(const std::string& source, const std::string& what) {
  return Error(Code::InvalidConfig, source + ": " + what);
}

json parse_object(const std::string& bytes, const std::string& source) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded()) throw Error(Code::DecodingFailure, source + ": not valid JSON");
  if (!j.is_object()) throw Error(Code::DecodingFailure, source + ": not a JSON object");
  return j;
}

// A string field that may be absent ("" then); any other type is an error.
std::string optional_string(const json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (!it->is_string()) throw invalid(source, std::string(key) + " must be a string");
  return it->get<std::string>();
}

bool read_bool(const json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (!it->is_string()) throw invalid(source, std::string(key) + " must be a boolean");
  std::string s = it->get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "true") return true;
  if (s == "false") return false;
  throw invalid(source, std::string(key) + ": invalid value \"" + s + "\"");
}

std::vector<std::string> read_versions(const json& j, const std::string& source) {
  std::vector<std::string> out;
  const json& v = j.at("cniVersions");
  if (!v.is_array()) throw invalid(source, "cniVersions must be a list");
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      throw invalid(source, "cniVersions[" + std::to_string(i) + "] must be a string");
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

void check_plugin(const json& p, const std::string& source) {
  if (!p.is_object()) throw invalid(source, "not a JSON object");
  auto type = p.find("type");
  if (type == p.end() || !type->is_string() || type->get<std::string>().empty()) {
    throw invalid(source, "missing 'type'");
  }
}
}  // namespace

ConfList parse_conf_list(const std::string& bytes, const std::string& source) {
  json j = parse_object(bytes, source);
  ConfList list;
  auto name = j.find("name");
  if (name == j.end()) throw invalid(source, "no name");
  if (!name->is_string()) throw invalid(source, "name must be a string");
  list.name = name->get<std::string>();
  std::string version = optional_string(j, "cniVersion", source);
  bool has_versions = j.contains("cniVersions");
  list.cni_version = select_version(
      version, has_versions ? read_versions(j, source) : std::vector<std::string>{}, has_versions);
  list.disable_check = read_bool(j, "disableCheck", source);
  list.disable_gc = read_bool(j, "disableGC", source);
  list.load_only_inlined_plugins = read_bool(j, "loadOnlyInlinedPlugins", source);
  list.bytes = bytes;

  auto plugins = j.find("plugins");
  if (plugins == j.end()) {
    if (list.load_only_inlined_plugins) {
      throw invalid(source, "loadOnlyInlinedPlugins is true, and no 'plugins' key");
    }
    return list;
  }
  if (!plugins->is_array()) throw invalid(source, "'plugins' must be a list");
  if (plugins->empty()) throw invalid(source, "no plugins in list");
  for (std::size_t i = 0; i < plugins->size(); ++i) {
    check_plugin((*plugins)[i], source + ": plugins[" + std::to_string(i) + "]");
    list.plugins.push_back((*plugins)[i]);
  }
  return list;
}

json parse_plugin_conf(const std::string& bytes, const std::string& source) {
  json j = parse_object(bytes, source);
  check_plugin(j, source);
  return j;
}

ConfList conf_list_from_conf(const json& conf, const std::string& source) {
  json list = {{"name", optional_string(conf, "name", source)},
               {"cniVersion", optional_string(conf, "cniVersion", source)},
               {"plugins", json::array({conf})}};
  return parse_conf_list(list.dump(), source);
}

}  // namespace cni::tool

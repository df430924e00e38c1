#include "conf_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cni/error.hpp"
#include "cni/validate.hpp"

namespace cni::tool {

namespace fs = std::filesystem;

namespace {
std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  if (!f) throw Error(Code::IoFailure, "error reading " + path);
  return s.str();
}

// The plugin objects of `<dir>/<name>/*.conf` (libcni NetworkPluginConfsFromFiles).
std::vector<nlohmann::json> dir_plugins(const std::string& dir, const std::string& name) {
  std::vector<nlohmann::json> out;
  if (!is_safe_name(name)) return out;  // never a path outside `dir`
  for (const auto& file : conf_files((fs::path(dir) / name).string(), {".conf"}))
    out.push_back(parse_plugin_conf(read_file(file), file));
  return out;
}
}  // namespace

std::vector<std::string> conf_files(const std::string& dir,
                                    const std::vector<std::string>& extensions) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return out;
  if (ec) throw Error(Code::IoFailure, "read directory " + dir + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.is_directory(ec)) continue;
    auto ext = entry.path().extension().string();
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

ConfList load_conf_list(const std::string& dir, const std::string& name) {
  auto lists = conf_files(dir, {".conflist"});
  for (const auto& file : lists) {
    ConfList list = parse_conf_list(read_file(file), file);
    if (list.name != name) continue;
    if (!list.load_only_inlined_plugins) {
      for (auto& p : dir_plugins(fs::path(file).parent_path().string(), list.name))
        list.plugins.push_back(std::move(p));
    }
    if (list.plugins.empty()) throw Error(Code::InvalidConfig, file + ": no plugin configs found");
    return list;
  }
  auto singles = conf_files(dir, {".conf", ".json"});
  if (singles.empty() && lists.empty()) {
    throw Error(Code::InvalidConfig, "no net configurations found in " + dir);
  }
  for (const auto& file : singles) {
    auto conf = parse_plugin_conf(read_file(file), file);
    auto n = conf.find("name");
    if (n != conf.end() && n->is_string() && n->get<std::string>() == name) {
      return conf_list_from_conf(conf, file);
    }
  }
  throw Error(Code::InvalidConfig, "no net configuration with name \"" + name + "\" in " + dir);
}

}  // namespace cni::tool

#include "cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base64.hpp"
#include "cni/error.hpp"
#include "sys/unique_fd.hpp"

namespace cni::tool {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {
constexpr const char* kKind = "cniCacheV1";

std::string results_dir(const std::string& cache_dir) {
  return (fs::path(cache_dir) / "results").string();
}

bool usable_part(const std::string& s) {
  return !s.empty() && s.find('/') == std::string::npos && s.find('\0') == std::string::npos;
}

[[noreturn]] void io_fail(const std::string& what, int err) {
  throw Error(Code::IoFailure, what + ": " + std::strerror(err));
}

// mkdir -p with mode 0700 for the directories it creates (Go's os.MkdirAll(dir, 0o700)).
void make_dirs(const fs::path& dir) {
  fs::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      io_fail("create cache directory " + partial.string(), errno);
    }
  }
}

void write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_fail("write " + path, errno);
    done += static_cast<std::size_t>(n);
  }
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A string member: absent/null gives "", another type makes the entry malformed.
bool get_string(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool get_args(const json& j, std::vector<std::pair<std::string, std::string>>& out) {
  auto it = j.find("cniArgs");
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_array()) return false;
  for (const auto& pair : *it) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return false;
    }
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return true;
}

bool get_object(const json& j, const char* key, json& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_object()) return false;
  out = *it;
  return true;
}
}  // namespace

std::string cache_file_path(const std::string& cache_dir, const std::string& network,
                            const std::string& container_id, const std::string& ifname) {
  if (!usable_part(network) || !usable_part(container_id) || !usable_part(ifname)) {
    throw Error(Code::InvalidConfig,
                "cache file path requires network name (\"" + network + "\"), container ID (\"" +
                    container_id + "\"), and interface name (\"" + ifname + "\")",
                "none may be empty or contain '/'");
  }
  return results_dir(cache_dir) + "/" + network + "-" + container_id + "-" + ifname;
}

std::string render_cache(const CachedInfo& info) {
  ordered_json j;
  j["kind"] = kKind;
  j["containerId"] = info.container_id;
  j["config"] = base64_encode(info.config);
  j["ifName"] = info.ifname;
  j["networkName"] = info.network_name;
  if (!info.netns.empty()) j["netns"] = info.netns;
  if (!info.cni_args.empty()) {
    ordered_json args = ordered_json::array();
    for (const auto& [k, v] : info.cni_args)
      args.push_back({k, v});
    j["cniArgs"] = std::move(args);
  }
  // Go's omitempty drops nil and empty maps alike.
  if (info.capability_args.is_object() && !info.capability_args.empty()) {
    j["capabilityArgs"] = ordered_json::parse(info.capability_args.dump());
  }
  if (info.result.is_object() && !info.result.empty()) {
    j["result"] = ordered_json::parse(info.result.dump());
  }
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::optional<CachedInfo> parse_cache(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto kind = j.find("kind");
  if (kind == j.end() || *kind != kKind) return std::nullopt;
  CachedInfo info;
  std::string config64;
  if (!get_string(j, "containerId", info.container_id) || !get_string(j, "config", config64) ||
      !get_string(j, "ifName", info.ifname) || !get_string(j, "networkName", info.network_name) ||
      !get_string(j, "netns", info.netns) || !get_args(j, info.cni_args) ||
      !get_object(j, "capabilityArgs", info.capability_args) ||
      !get_object(j, "result", info.result)) {
    return std::nullopt;
  }
  auto config = base64_decode(config64);
  if (!config) return std::nullopt;
  info.config = std::move(*config);
  return info;
}

void write_cache(const std::string& cache_dir, const CachedInfo& info) {
  std::string path = cache_file_path(cache_dir, info.network_name, info.container_id, info.ifname);
  make_dirs(results_dir(cache_dir));
  // A dot name next to it, so that no reader takes a half-written file for an entry.
  std::string tmp = results_dir(cache_dir) + "/." + fs::path(path).filename().string() + ".tmp";
  {
    sys::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) io_fail("create " + tmp, errno);
    write_all(fd.get(), render_cache(info), tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    io_fail("rename " + tmp, err);
  }
}

std::optional<std::string> read_cache_file(const std::string& cache_dir, const std::string& network,
                                           const std::string& container_id,
                                           const std::string& ifname) {
  return read_text(cache_file_path(cache_dir, network, container_id, ifname));
}

json cached_result_json(const std::string& text) {
  if (auto info = parse_cache(text)) return info->result;
  json legacy = json::parse(text, nullptr, false);
  if (!legacy.is_object()) {
    throw Error(Code::DecodingFailure, "cached result: neither a cniCacheV1 entry nor a result");
  }
  return legacy;
}

bool remove_cache(const std::string& cache_dir, const std::string& network,
                  const std::string& container_id, const std::string& ifname) {
  return ::unlink(cache_file_path(cache_dir, network, container_id, ifname).c_str()) == 0;
}

std::optional<std::vector<CachedInfo>> cached_attachments(const std::string& cache_dir) {
  std::error_code ec;
  fs::directory_iterator it(results_dir(cache_dir), ec);
  if (ec) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (name.front() != '.') names.push_back(std::move(name));  // skip our temporary files
  }
  std::sort(names.begin(), names.end());
  std::vector<CachedInfo> out;
  for (const auto& name : names) {
    auto text = read_text(results_dir(cache_dir) + "/" + name);
    if (!text) continue;
    auto info = parse_cache(*text);
    if (!info || info->ifname.empty() || info->network_name.empty()) continue;
    out.push_back(std::move(*info));
  }
  return out;
}

}  // namespace cni::tool

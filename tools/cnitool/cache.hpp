#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cni::tool {

/// One attachment's entry in libcni's result cache (`cachedInfo`, kind "cniCacheV1"), stored
/// at `<cacheDir>/results/<network>-<containerID>-<ifname>`.
struct CachedInfo {
  std::string container_id;
  std::string config;  // the list's bytes as read from the conf file (base64 on disk)
  std::string ifname;
  std::string network_name;
  std::string netns;  // "" = absent
  std::vector<std::pair<std::string, std::string>> cni_args;
  nlohmann::json capability_args;  // object, or null = absent
  nlohmann::json result;           // object, or null = absent
};

/// The cache file of (network, containerID, ifname). Throws cni::Error(InvalidConfig) when one
/// of them is empty or could name a path outside the cache directory.
std::string cache_file_path(const std::string& cache_dir, const std::string& network,
                            const std::string& container_id, const std::string& ifname);

/// The file's JSON in libcni's field order and omitempty rules.
std::string render_cache(const CachedInfo& info);

/// The entry in `text`; nullopt when it is not a well-formed "cniCacheV1" entry (libcni then
/// tries the legacy format: a bare result).
std::optional<CachedInfo> parse_cache(const std::string& text);

/// Writes the entry (directories 0700, file 0600, replaced atomically). Throws
/// cni::Error(IoFailure).
void write_cache(const std::string& cache_dir, const CachedInfo& info);

/// The raw text of the entry of (network, containerID, ifname); nullopt when there is none or
/// it cannot be read (libcni ignores read errors).
std::optional<std::string> read_cache_file(const std::string& cache_dir, const std::string& network,
                                           const std::string& container_id,
                                           const std::string& ifname);

/// The cached result of an entry: the "result" of a cniCacheV1 entry, or the whole text when
/// it is a legacy bare result. Null when the entry has no result. Throws
/// cni::Error(DecodingFailure) when the text is neither.
nlohmann::json cached_result_json(const std::string& text);

/// Removes the entry; true when it existed.
bool remove_cache(const std::string& cache_dir, const std::string& network,
                  const std::string& container_id, const std::string& ifname);

/// Every well-formed cniCacheV1 entry of the cache with a network name and an ifname, in file
/// name order (libcni GetCachedAttachments). nullopt when `<cacheDir>/results` cannot be read.
std::optional<std::vector<CachedInfo>> cached_attachments(const std::string& cache_dir);

}  // namespace cni::tool

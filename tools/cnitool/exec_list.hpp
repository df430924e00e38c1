#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cni/skel.hpp"
#include "conf_list.hpp"

namespace cni::tool {

/// What the runtime knows about one attachment (libcni RuntimeConf), plus where plugins and
/// the result cache live.
struct Runtime {
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS
  nlohmann::json capability_args;                         // object, or null
  std::vector<std::string> cni_path;
  std::string cache_dir;
  std::ostream* log = nullptr;  // progress and per-plugin timing when set (-v)
};

/// ADD (libcni AddNetworkList): every plugin in order, each given the previous one's result
/// (at the list's version) as prevResult; stops at the first failure. Writes the cache entry
/// and returns the last result at the list's version.
nlohmann::json add_network_list(const ConfList& list, const Runtime& rt);

/// CHECK (libcni CheckNetworkList): refused below 0.4.0; nothing when disableCheck; otherwise
/// every plugin in order with the cached result. Unlike libcni, a missing cache entry is an
/// error here instead of a CHECK without prevResult.
void check_network_list(const ConfList& list, const Runtime& rt);

/// DEL (libcni DelNetworkList): every plugin in reverse order, from 0.4.0 with the cached result
/// as prevResult (an unreadable entry is dropped and DEL goes on without it); stops at the
/// first failure. Removes the cache entry once every plugin succeeded.
void del_network_list(const ConfList& list, const Runtime& rt);

/// GC (libcni GCNetworkList): nothing when disableGC or when the cache cannot be listed;
/// DELs the cached attachments of this network that are not in `valid` (all of them when
/// `valid` is nullopt); then, from 1.1.0, GC to every plugin with `cni.dev/valid-attachments`
/// and `cni.dev/attachments` set to `valid` (omitted when nullopt). Runs every step and
/// throws the collected errors.
void gc_network_list(const ConfList& list, const Runtime& rt,
                     const std::optional<std::vector<Attachment>>& valid);

/// STATUS (libcni GetStatusNetworkList): from 1.1.0, every plugin in order; the first failure
/// is thrown as the plugin reported it.
void status_network_list(const ConfList& list, const Runtime& rt);

/// The (containerID, ifname) of every cache entry of `network` in `cache_dir`; nullopt when
/// the cache cannot be listed.
std::optional<std::vector<Attachment>> cached_attachments_of(const std::string& cache_dir,
                                                             const std::string& network);

}  // namespace cni::tool

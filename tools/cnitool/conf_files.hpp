#pragma once

#include <string>
#include <vector>

#include "conf_list.hpp"

namespace cni::tool {

/// The regular files in `dir` whose extension is one of `extensions` (".conf"), sorted by
/// name; none when `dir` does not exist (libcni ConfFiles). Throws cni::Error(IoFailure) when
/// `dir` cannot be read.
std::vector<std::string> conf_files(const std::string& dir,
                                    const std::vector<std::string>& extensions);

/// libcni's LoadNetworkConf: the first `.conflist` in `dir` (lexical order) named `name`, with
/// the plugins of `<dir>/<name>/*.conf` appended unless loadOnlyInlinedPlugins; failing that
/// the first `.conf` or `.json` single-plugin config named `name`, as a one-plugin list. A
/// file that does not parse stops the search with its error, as in libcni. Throws
/// cni::Error(InvalidConfig) when no config has that name.
ConfList load_conf_list(const std::string& dir, const std::string& name);

}  // namespace cni::tool

#pragma once

#include <string>

namespace cni::tool {

/// Go's filepath.Abs: `path` joined to `cwd` when relative, then cleaned lexically (no "."
/// or ".." components, no repeated or trailing '/'). Pure.
std::string absolute_path(const std::string& path, const std::string& cwd);

/// Upstream cnitool's container ID for a netns path (already absolute): "cnitool-" followed by
/// the first 10 bytes of the SHA-512 of the path, in lowercase hex (20 digits). Pure.
std::string container_id_for(const std::string& netns_path);

}  // namespace cni::tool

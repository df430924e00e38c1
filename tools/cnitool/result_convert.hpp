#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cni/version.hpp"

namespace cni::tool {

/// A plugin or cached result re-rendered at version `to` (libcni result.GetAsVersion). The
/// result is read at its own "cniVersion", or `default_version` when it has none. Throws
/// cni::Error naming `field` when it is not a result of a known version, or cannot be
/// expressed at `to`.
nlohmann::json convert_result(const nlohmann::json& raw, Version default_version, Version to,
                              const std::string& field);

}  // namespace cni::tool

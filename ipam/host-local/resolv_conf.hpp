#pragma once

#include <string>
#include <string_view>

#include "cni/result.hpp"

namespace cni::ipam {

/// Parses resolv.conf text into a result's "dns" as the reference's parseResolvConf: lines
/// "nameserver X" (appended), "domain X" (last wins), "search A B.." and "options A B.."
/// (appended); comments (# or ;), blank lines, lines with fewer than two fields and other
/// keywords are skipped. Pure.
Dns parse_resolv_conf_text(std::string_view text);

/// Reads and parses the file at `path` ("ipam.resolvConf"). Throws cni::Error(InvalidConfig)
/// naming the key and the path when it cannot be read.
Dns read_resolv_conf(const std::string& path);

}  // namespace cni::ipam

#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cni::tuning {

/// Where the reference reads the sysctl allow-list. No other path is ever read in production
/// (tests mount a private directory over /etc/cni/tuning with `unshare -m` instead).
inline constexpr const char* kAllowlistPath = "/etc/cni/tuning/allowlist.conf";

/// The sysctl allow-list: one regular expression per line (whitespace trimmed, empty lines
/// skipped); a key is allowed when one of them matches somewhere in it (an unanchored search on
/// the key as written in the config, as the reference's regexp.MatchString). Patterns use
/// ECMAScript syntax, which agrees with Go's RE2 on anchors, classes, escapes and repetition.
class Allowlist {
 public:
  /// Reads and compiles the allow-list at `path` (host filesystem); nullopt when the file does
  /// not exist (every network sysctl is allowed then). Throws cni::Error(InvalidConfig) naming
  /// the file and line of a pattern that does not compile, cni::Error(System) when the file
  /// cannot be read.
  static std::optional<Allowlist> load(const std::string& path);

  /// Compiles `text` (the file's content); `path` is for messages. Throws as load().
  static Allowlist parse(std::string_view text, const std::string& path);

  /// Throws cni::Error(InvalidConfig) naming `field["key"]` unless a pattern matches `key`.
  void require(std::string_view key, std::string_view field) const;

 private:
  struct Patterns;  // the compiled expressions: <regex> stays out of this header
  std::string path_;
  std::shared_ptr<const Patterns> patterns_;
};

}  // namespace cni::tuning

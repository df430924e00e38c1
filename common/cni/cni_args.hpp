#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cni {

/// CNI_ARGS: "K1=V1;K2=V2" (CONVENTIONS.md). Keys keep their order; the last of a repeated key
/// wins on lookup.
class CniArgs {
 public:
  /// Throws cni::Error(InvalidEnvironment) naming CNI_ARGS on a pair without exactly one '='
  /// or with an empty key. An empty string gives no pairs.
  static CniArgs parse(std::string_view text);

  std::optional<std::string> get(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const noexcept { return pairs_; }

  /// Whether IgnoreUnknown is set to "1" or "true" (any case). Throws on another value.
  bool ignore_unknown() const;

  /// Throws cni::Error(InvalidEnvironment) naming the first key that is neither in `known` nor
  /// IgnoreUnknown, unless IgnoreUnknown is set.
  void require_known(std::initializer_list<std::string_view> known) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace cni

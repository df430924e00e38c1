#include "cni/cni_args.hpp"

#include <algorithm>
#include <cctype>

#include "cni/error.hpp"

namespace cni {

namespace {
constexpr std::string_view kIgnoreUnknown = "IgnoreUnknown";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

CniArgs CniArgs::parse(std::string_view text) {
  CniArgs out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    auto item = text.substr(start, end - start);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || item.find('=', eq + 1) != std::string_view::npos ||
        eq == 0) {
      throw Error(Code::InvalidEnvironment,
                  "CNI_ARGS: invalid pair \"" + std::string(item) + "\" (want KEY=VALUE)");
    }
    out.pairs_.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> CniArgs::get(std::string_view key) const {
  // The last occurrence wins. (No std::views here: clang 14 cannot parse libstdc++ 12's.)
  auto it =
      std::find_if(pairs_.rbegin(), pairs_.rend(), [&](const auto& p) { return p.first == key; });
  if (it != pairs_.rend()) return it->second;
  return std::nullopt;
}

bool CniArgs::ignore_unknown() const {
  auto v = get(kIgnoreUnknown);
  if (!v) return false;
  auto l = lower(*v);
  if (l == "1" || l == "true") return true;
  if (l == "0" || l == "false") return false;
  throw Error(Code::InvalidEnvironment,
              "CNI_ARGS: IgnoreUnknown=\"" + *v + "\" is not a boolean (1, true, 0, false)");
}

void CniArgs::require_known(std::initializer_list<std::string_view> known) const {
  if (ignore_unknown()) return;
  for (const auto& [k, v] : pairs_) {
    if (k == kIgnoreUnknown) continue;
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      throw Error(Code::InvalidEnvironment,
                  "CNI_ARGS: unknown key \"" + k + "\" (set IgnoreUnknown=1 to ignore it)");
    }
  }
}

}  // namespace cni

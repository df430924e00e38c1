// GCC 12 with -fsanitize=address reports -Wmaybe-uninitialized inside libstdc++'s regex
// compiler (std::function copies in _StateT), a false positive; before any include, so that it
// covers those headers' code as instantiated here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "allowlist.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <regex>
#include <utility>
#include <vector>

#include "cni/error.hpp"
#include "sys/unique_fd.hpp"
#include "sysctl_key.hpp"

namespace cni::tuning {

namespace {

// An allow-list is a handful of lines; a larger file is a mistake.
constexpr std::size_t kMaxAllowlist = std::size_t{1024} * 1024;

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

[[noreturn]] void fail(const std::string& path, int err) {
  throw Error(Code::System, "sysctl allow-list " + path + ": " + std::strerror(err));
}

}  // namespace

struct Allowlist::Patterns {
  std::vector<std::pair<std::string, std::regex>> list;
};

std::optional<Allowlist> Allowlist::load(const std::string& path) {
  sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail(path, errno);
  }
  std::string text;
  std::array<char, 4096> buf{};
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, errno);
    }
    text.append(buf.data(), static_cast<std::size_t>(n));
    if (text.size() > kMaxAllowlist) fail(path, EFBIG);
  }
  return parse(text, path);
}

Allowlist Allowlist::parse(std::string_view text, const std::string& path) {
  Allowlist out;
  out.path_ = path;
  auto patterns = std::make_shared<Patterns>();
  std::size_t start = 0;
  int line_no = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    if (auto line = trim(text.substr(start, end - start)); !line.empty()) {
      try {
        patterns->list.emplace_back(std::string(line), std::regex(std::string(line)));
      } catch (const std::regex_error& e) {
        throw Error(Code::InvalidConfig, "sysctl allow-list " + path + " line " +
                                             std::to_string(line_no) + ": \"" + std::string(line) +
                                             "\" is not a valid regular expression");
      }
    }
    start = end + 1;
  }
  out.patterns_ = std::move(patterns);
  return out;
}

void Allowlist::require(std::string_view key, std::string_view field) const {
  const std::string k(key);
  for (const auto& [text, re] : patterns_->list) {
    try {
      if (std::regex_search(k, re)) return;
    } catch (const std::regex_error& e) {
      throw Error(Code::InvalidConfig, "sysctl allow-list " + path_ + ": \"" + text +
                                           "\" cannot be matched: " + e.what());
    }
  }
  throw Error(Code::InvalidConfig,
              sysctl_field(field, key) + ": not allowed by the sysctl allow-list " + path_);
}

}  // namespace cni::tuning

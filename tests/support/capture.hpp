#pragma once

#include <cstdio>
#include <string>

namespace cni::test {

/// Runs a shell command line (built from test-controlled words only) and returns its stdout
/// ("" when it could not run); its exit status goes to `status` when given. stderr is dropped.
inline std::string capture(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  const int rc = ::pclose(p);
  if (status != nullptr) *status = rc;
  return out;
}

}  // namespace cni::test

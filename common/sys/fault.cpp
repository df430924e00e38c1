#include "sys/fault.hpp"

#ifdef CNI_FAULT_INJECTION

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cni/error.hpp"

namespace cni::fault {

void point(const char* name) {
  const char* want = std::getenv("CNI_FAULT_POINT");
  if (want == nullptr || std::strcmp(want, name) != 0) return;
  const std::string msg = std::string("fault injected at ") + name;
  const char* mode = std::getenv("CNI_FAULT_MODE");
  if (mode != nullptr && std::strcmp(mode, "abort") == 0) {
    std::fprintf(stderr, "%s (abort)\n", msg.c_str());
    std::fflush(stderr);
    std::abort();
  }
  throw Error(Code::Internal, msg);
}

}  // namespace cni::fault

#endif

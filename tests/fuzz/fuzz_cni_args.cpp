// libFuzzer target: CNI_ARGS ("K1=V1;K2=V2"). The whole input is the variable's value.
// Properties: only cni::Error(InvalidEnvironment) is thrown; an accepted value is exactly its
// pairs joined again; keys are non-empty and hold no '=' or ';'; get() returns the last value
// of a key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cni/cni_args.hpp"
#include "cni/error.hpp"
#include "fuzz_support.hpp"

namespace {

void expect_env_error(const cni::Error& e, std::string_view where) {
  if (e.code() != cni::Code::InvalidEnvironment) {
    cni::fuzz::finding(std::string(where) + " threw a code other than 4", e.what());
  }
  if (e.msg().rfind("CNI_ARGS: ", 0) != 0) {
    cni::fuzz::finding(std::string(where) + ": message does not name CNI_ARGS", e.msg());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cni::CniArgs args;
  try {
    args = cni::CniArgs::parse(text);
  } catch (const cni::Error& e) {
    expect_env_error(e, "parse");
    return 0;
  }

  std::string joined;
  for (const auto& [k, v] : args.pairs()) {
    if (k.empty()) cni::fuzz::finding("empty key accepted", text);
    if (k.find_first_of("=;") != std::string::npos || v.find_first_of("=;") != std::string::npos) {
      cni::fuzz::finding("a key or value holds '=' or ';'", text);
    }
    if (!joined.empty()) joined += ';';
    joined.append(k).append("=").append(v);
    std::optional<std::string> last;
    for (const auto& [k2, v2] : args.pairs()) {
      if (k2 == k) last = v2;
    }
    if (args.get(k) != last) cni::fuzz::finding("get() is not the last value of " + k, text);
  }
  if (joined != text) cni::fuzz::finding("the pairs do not rebuild the input", joined);

  try {
    (void)args.ignore_unknown();
  } catch (const cni::Error& e) {
    expect_env_error(e, "ignore_unknown");
  }
  try {
    args.require_known({"IP", "MAC", "K8S_POD_NAME", "K8S_POD_NAMESPACE"});
  } catch (const cni::Error& e) {
    expect_env_error(e, "require_known");
  }
  return 0;
}

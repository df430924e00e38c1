#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cni/skel.hpp"

namespace cni::test {

/// Runs the skel in-process with a fake environment and captured stdout/stderr.
struct SkelCall {
  std::map<std::string, std::string> env;
  std::string stdin_data;
  std::string out;
  std::string err;
  int rc = -1;

  int run(const PluginFuncs& funcs) {
    std::istringstream in(stdin_data);
    std::ostringstream o, e;
    Io io{[this](const std::string& k) -> std::optional<std::string> {
            auto it = env.find(k);
            if (it == env.end()) return std::nullopt;
            return it->second;
          },
          in, o, e};
    rc = cni::run(funcs, "test", io);
    out = o.str();
    err = e.str();
    return rc;
  }

  nlohmann::json json_out() const { return nlohmann::json::parse(out); }
  /// The CNI error code printed on stdout (asserts the shape loosely: -1 if absent).
  int error_code() const {
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (!j.is_object() || !j.contains("code")) return -1;
    return j["code"].get<int>();
  }
  std::string error_msg() const {
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (!j.is_object() || !j.contains("msg")) return {};
    return j["msg"].get<std::string>();
  }
};

}  // namespace cni::test

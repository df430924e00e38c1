// libFuzzer target: the skel from env + stdin to a Request (config, prevResult, GC attachments).
// Input: "<COMMAND>\n<stdin bytes>". A first line that names no command picks one from its bytes.
// The env is fixed and valid per command; the plugin's functions touch nothing:
// - ADD/CHECK get a CNI_NETNS that does not exist, so the skel parses and validates the whole
//   config and then fails with code 4 before calling the plugin (reaching it is a finding);
// - DEL gets no CNI_NETNS, so no namespace is opened;
// - inputs with a "logFile" key are skipped: the skel would create that file.
// Findings: error code 999 (an exception other than cni::Error), output that is not the result or
// error JSON, a prevResult that does not survive rendering, sanitizer reports, leaks.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cni/error.hpp"
#include "cni/result.hpp"
#include "cni/skel.hpp"
#include "fuzz_support.hpp"

namespace {

using nlohmann::json;

constexpr std::array<const char*, 6> kCommands = {"ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"};

std::string pick_command(std::string_view line) {
  for (const char* c : kCommands) {
    if (line == c) return c;
  }
  std::size_t sum = 0;
  for (char ch : line)
    sum += static_cast<unsigned char>(ch);
  return kCommands[sum % kCommands.size()];
}

std::map<std::string, std::string> env_for(const std::string& cmd) {
  std::map<std::string, std::string> env = {
      {"CNI_COMMAND", cmd},
      {"CNI_PATH", "/nonexistent-cni-fuzz/bin:/nonexistent-cni-fuzz/lib"},
  };
  if (cmd == "ADD" || cmd == "DEL" || cmd == "CHECK") {
    env["CNI_CONTAINERID"] = "fuzz-container.1";
    env["CNI_IFNAME"] = "eth0";
    env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-1";
  }
  if (cmd == "ADD" || cmd == "CHECK") env["CNI_NETNS"] = "/nonexistent-cni-fuzz/netns";
  return env;
}

// A prevResult the skel accepted must render in the config's version and parse back.
void check_prev_result(const cni::Request& req) {
  if (!req.conf.prev_result) return;
  json rendered;
  try {
    rendered = cni::render_result(*req.conf.prev_result, req.conf.version);
  } catch (const cni::Error& e) {
    if (e.code() != cni::Code::IncompatibleVersion) cni::fuzz::finding("render_result", e.what());
    return;
  }
  try {
    (void)cni::parse_result(json::parse(rendered.dump()), req.conf.version, "prevResult");
  } catch (const std::exception& e) {
    cni::fuzz::finding("prevResult does not parse back after rendering", e.what());
  }
}

cni::PluginFuncs no_op_plugin() {
  return cni::PluginFuncs{
      .add = [](const cni::Request&) -> cni::Result {
        cni::fuzz::finding("ADD reached the plugin although CNI_NETNS does not exist");
      },
      .del =
          [](const cni::Request& req) {
            if (req.netns) cni::fuzz::finding("DEL without CNI_NETNS got a namespace");
            check_prev_result(req);
          },
      .check =
          [](const cni::Request&) {
            cni::fuzz::finding("CHECK reached the plugin although CNI_NETNS does not exist");
          },
      .status = [](const cni::Request& req) { check_prev_result(req); },
      .gc = [](const cni::Request& req) { check_prev_result(req); },
  };
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Logs are formatted (that code runs too) but go nowhere.
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_st>()));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [line, payload] = cni::fuzz::split_first_line(data, size);
  const std::string cmd = pick_command(line);
  const std::string stdin_data(payload);

  // "logFile" makes the skel open (create) that path: never let fuzz input choose one.
  json probe = json::parse(stdin_data, nullptr, false);
  if (probe.is_object() && probe.contains("logFile")) return -1;

  spdlog::default_logger()->set_level(spdlog::level::trace);  // the config may have changed it
  const auto env = env_for(cmd);
  static const cni::PluginFuncs funcs = no_op_plugin();
  std::istringstream in(stdin_data);
  std::ostringstream out;
  std::ostringstream err;
  cni::Io io{[&env](const std::string& k) -> std::optional<std::string> {
               auto it = env.find(k);
               if (it == env.end()) return std::nullopt;
               return it->second;
             },
             in, out, err};
  const int rc = cni::run(funcs, "fuzz", io);
  const std::string text = out.str();

  if (rc == 0) {
    if (cmd == "VERSION") {
      json v = json::parse(text, nullptr, false);
      if (!v.is_object() || !v.contains("supportedVersions")) {
        cni::fuzz::finding("VERSION printed no version object", text);
      }
    } else if (!text.empty()) {
      cni::fuzz::finding("a successful " + cmd + " printed something", text);
    }
    return 0;
  }
  if (rc != 1) cni::fuzz::finding("exit code is neither 0 nor 1", text);
  json e = json::parse(text, nullptr, false);
  if (!e.is_object() || !e.contains("code") || !e["code"].is_number_unsigned() ||
      !e.contains("msg") || !e["msg"].is_string() || !e.contains("cniVersion")) {
    cni::fuzz::finding("the error output is not a CNI error object", text);
  }
  if (e["code"].get<unsigned>() == static_cast<unsigned>(cni::Code::Internal)) {
    cni::fuzz::finding("an exception other than cni::Error reached the skel", text);
  }
  return 0;
}

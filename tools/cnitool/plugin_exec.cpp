#include "plugin_exec.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "cni/error.hpp"
#include "sys/process.hpp"

extern char** environ;

namespace cni::tool {

namespace {
constexpr const char* kProtocolVars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
                                         "CNI_IFNAME",  "CNI_ARGS",        "CNI_PATH"};

bool is_protocol_var(const std::string& kv) {
  auto key = kv.substr(0, kv.find('='));
  for (const char* var : kProtocolVars)
    if (key == var) return true;
  return false;
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string s;
  for (const auto& item : items)
    s += (s.empty() ? "" : std::string(1, sep)) + item;
  return s;
}

// The CNI error a failed plugin printed on stdout, if it printed one.
std::optional<Error> printed_error(const std::string& out) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto code = j.find("code");
  auto msg = j.find("msg");
  if (code == j.end() || !code->is_number_unsigned() || msg == j.end() || !msg->is_string()) {
    return std::nullopt;
  }
  auto details = j.find("details");
  return Error(static_cast<Code>(code->get<unsigned>()), msg->get<std::string>(),
               details != j.end() && details->is_string() ? details->get<std::string>() : "");
}
}  // namespace

std::vector<std::string> plugin_env(const Invocation& inv, const std::vector<std::string>& base) {
  std::vector<std::string> env;
  for (const auto& kv : base)
    if (!is_protocol_var(kv)) env.push_back(kv);
  std::vector<std::string> pairs;
  for (const auto& [k, v] : inv.args)
    pairs.push_back(std::string(k).append("=").append(v));
  env.push_back("CNI_COMMAND=" + inv.command);
  env.push_back("CNI_CONTAINERID=" + inv.container_id);
  env.push_back("CNI_NETNS=" + inv.netns);
  env.push_back("CNI_ARGS=" + join(pairs, ';'));
  env.push_back("CNI_IFNAME=" + inv.ifname);
  env.push_back("CNI_PATH=" + join(inv.cni_path, ':'));
  return env;
}

std::vector<std::string> process_env() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e)
    env.emplace_back(*e);
  return env;
}

std::string exec_plugin(const std::string& path, const Invocation& inv,
                        const std::string& stdin_data) {
  auto r = sys::run_process(path, plugin_env(inv, process_env()), stdin_data);
  if (r.exit_code == 0) return r.out;
  if (auto e = printed_error(r.out)) throw *e;
  std::string out = r.out.size() > 200 ? r.out.substr(0, 200) + "..." : r.out;
  throw Error(Code::Internal,
              path + " " + inv.command + " failed with exit code " + std::to_string(r.exit_code),
              out);
}

}  // namespace cni::tool

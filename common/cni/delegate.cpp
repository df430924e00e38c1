#include "cni/delegate.hpp"

#include <unistd.h>

#include "cni/error.hpp"
#include "cni/validate.hpp"
#include "sys/process.hpp"

extern char** environ;

namespace cni {

using nlohmann::json;

namespace {
// The protocol variables are set from the request; everything else passes through.
bool is_protocol_var(std::string_view kv) {
  for (std::string_view k :
       {"CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=", "CNI_ARGS=", "CNI_PATH=",
        "CNI_CPP_UNDO_INFO=", "CNI_CPP_UNDO_ADD=", "CNI_CPP_CALLER_PID="}) {
    if (kv.substr(0, k.size()) == k) return true;
  }
  return false;
}

std::string join_args(const CniArgs& args) {
  std::string s;
  for (const auto& [k, v] : args.pairs())
    s.append(s.empty() ? "" : ";").append(k).append("=").append(v);
  return s;
}

std::string join_path(const std::vector<std::string>& dirs) {
  std::string s;
  for (const auto& d : dirs)
    s += (s.empty() ? "" : ":") + d;
  return s;
}

std::vector<std::string> delegate_env(const Request& req, Command command,
                                      const std::string& undo_note) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    if (!is_protocol_var(*e)) env.emplace_back(*e);
  }
  env.push_back("CNI_COMMAND=" + std::string(to_string(command)));
  env.push_back("CNI_CONTAINERID=" + req.container_id);
  env.push_back("CNI_NETNS=" + req.netns_path);
  env.push_back("CNI_IFNAME=" + req.ifname);
  env.push_back("CNI_ARGS=" + join_args(req.args));
  env.push_back("CNI_PATH=" + join_path(req.cni_path));
  if (command == Command::Add) {
    env.push_back(std::string(kUndoInfoEnv) + "=1");
    env.push_back(std::string(kCallerPidEnv) + "=" + std::to_string(::getpid()));
  }
  if (command == Command::Del && !undo_note.empty()) {
    env.push_back(std::string(kUndoAddEnv) + "=" + undo_note);
  }
  return env;
}

std::string snippet(const std::string& s) {
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

// The delegate's stdout when it succeeded; else its CNI error (or a description of the
// failure) as a cni::Error.
std::string output_of(const sys::ProcessResult& r, std::string_view type, Command command) {
  if (r.exit_code == 0) return r.out;
  const std::string who(type);
  json j = json::parse(r.out, nullptr, false);
  if (j.is_object() && j.contains("code") && j["code"].is_number_unsigned() && j.contains("msg") &&
      j["msg"].is_string()) {
    std::string details = j.contains("details") && j["details"].is_string() ? j["details"] : "";
    throw Error(static_cast<Code>(j["code"].get<unsigned>()),
                who + ": " + j["msg"].get<std::string>(), details);
  }
  throw Error(Code::Ipam,
              who + " " + std::string(to_string(command)) + " failed with exit code " +
                  std::to_string(r.exit_code),
              snippet(r.out));
}

// The undo note in an ADD output, "" when there is none.
std::string undo_note_of(const json& j) {
  auto it = j.find(kUndoNoteKey);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result parse_add_output(const std::string& out, std::string_view type, Version config_version) {
  json j = json::parse(out, nullptr, false);
  const std::string field = std::string(type) + " result";
  if (!j.is_object()) {
    throw Error(Code::Ipam, field + ": not a JSON object", snippet(out));
  }
  Version v = config_version;
  if (auto it = j.find("cniVersion"); it != j.end() && it->is_string()) {
    if (auto parsed = parse_version(it->get<std::string>())) v = *parsed;
  }
  try {
    Result r = parse_result(j, v, field);
    r.undo_note = undo_note_of(j);
    return r;
  } catch (const Error& e) {
    throw Error(Code::Ipam, e.msg(), e.details());
  }
}
}  // namespace

std::string find_plugin(std::string_view type, const std::vector<std::string>& cni_path,
                        std::string_view field) {
  const std::string f(field);
  if (type.empty()) throw Error(Code::InvalidConfig, f + ": missing plugin type");
  if (!is_safe_name(type)) {
    throw Error(Code::InvalidConfig, f + ": \"" + std::string(type) + "\" is not a plugin name");
  }
  if (cni_path.empty()) {
    throw Error(Code::InvalidEnvironment,
                "CNI_PATH: required to find plugin \"" + std::string(type) + "\"");
  }
  for (const auto& dir : cni_path) {
    std::string candidate = dir + "/" + std::string(type);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw Error(Code::InvalidConfig, f + ": failed to find plugin \"" + std::string(type) +
                                       "\" in CNI_PATH " + join_path(cni_path));
}

Result delegate_add(const Request& req, std::string_view type) {
  return DelegateCall(req, type, Command::Add).add_result();
}

void delegate_call(const Request& req, std::string_view type, Command command) {
  DelegateCall(req, type, command).wait();
}

void delegate_undo_add(const Request& req, std::string_view type, const std::string& note) {
  DelegateCall(req, type, Command::Del, note).wait();
}

DelegateCall::DelegateCall(const Request& req, std::string_view type, Command command,
                           const std::string& undo_note)
    : type_(type), command_(command), version_(req.conf.version) {
  const std::string path = find_plugin(type, req.cni_path, "ipam.type");
  auto env = delegate_env(req, command, undo_note);
  if (const PluginFuncs* funcs = in_process_plugin(type, path)) {
    in_process_ = std::make_unique<InProcessCall>(*funcs, type, env, req.stdin_data);
  } else {
    child_.emplace(path, env, req.stdin_data);
  }
}

sys::ProcessResult DelegateCall::collect() {
  return in_process_ ? in_process_->finish() : child_->finish();
}

bool DelegateCall::running() const noexcept {
  return in_process_ ? in_process_->running() : child_ && child_->running();
}

std::string DelegateCall::finish() {
  return output_of(collect(), type_, command_);
}

Result DelegateCall::add_result() {
  Result r = parse_add_output(finish(), type_, version_);
  note_ = std::move(r.undo_note);
  r.undo_note.clear();
  return r;
}

void DelegateCall::wait() {
  (void)finish();
}

void DelegateCall::settle() noexcept {
  if (!running()) return;
  try {
    auto r = collect();
    if (r.exit_code == 0 && command_ == Command::Add) {
      note_ = undo_note_of(json::parse(r.out, nullptr, false));
    }
  } catch (...) {
    // Nothing to do: the caller is undoing anyway.
  }
}

}  // namespace cni

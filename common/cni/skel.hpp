#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cni/cni_args.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"
#include "netns/netns.hpp"

namespace cni {

enum class Command { Add, Del, Check, Version, Status, Gc };
std::string_view to_string(Command c);

/// The keys every network configuration shares, plus the whole config for the rest.
struct NetConf {
  Version version = Version::V0_1_0;
  std::string name;
  std::string type;
  nlohmann::json raw;             // the full stdin config (plugin keys, IPAM delegation)
  nlohmann::json ipam;            // object, or null when absent
  Dns dns;                        // the "dns" key, empty when absent
  nlohmann::json runtime_config;  // object, or null when absent
  std::optional<Result> prev_result;
};

/// One (containerID, ifname) in a GC request.
struct Attachment {
  std::string container_id;
  std::string ifname;
  bool operator==(const Attachment&) const = default;
};

/// Everything a plugin command needs, validated by the skel.
/// CNI_PATH's directories: split on ':', empty entries dropped.
std::vector<std::string> split_cni_path(const std::string& s);

struct Request {
  Command command = Command::Add;
  std::string container_id;
  std::string netns_path;              // as given; may be empty for DEL
  std::optional<netns::Handle> netns;  // open for ADD/CHECK; for DEL only if it still exists
  std::string ifname;
  CniArgs args;
  std::vector<std::string> cni_path;  // CNI_PATH split on ':'
  std::string stdin_data;             // the raw config, passed on unchanged to delegates
  NetConf conf;
  std::vector<Attachment> valid_attachments;  // GC only
  // The environment this invocation was given: the process's, or the one an in-process
  // delegation hands it (cni/in_process.hpp). Read variables through env(), not ::getenv.
  std::function<std::optional<std::string>(const std::string&)> getenv;

  /// The variable `name` of this invocation's environment; nullopt when unset (or when a test
  /// built the Request without an environment).
  std::optional<std::string> env(const std::string& name) const {
    return getenv ? getenv(name) : std::nullopt;
  }
};

/// A plugin's commands. An empty STATUS or GC is a successful no-op (as the reference skel).
struct PluginFuncs {
  std::function<Result(const Request&)> add;  // the result to print (in conf.version's shape)
  std::function<void(const Request&)> del;
  std::function<void(const Request&)> check;
  std::function<void(const Request&)> status;
  std::function<void(const Request&)> gc;
  // The shape of the plugin's own config keys (cni/key_fold.hpp), JSON text; the keys every
  // config shares are the skel's. Keys are matched to it as the reference's Go decoder matches
  // them (case-insensitively, the last in the document winning) and renamed to its spelling.
  std::string_view keys;
  // False for a plugin that never enters the container (IPAM): CNI_NETNS must then be set for
  // ADD/CHECK as the spec says, but it is not opened, so it need not be visible to the plugin
  // (a delegating plugin in another mount namespace, addresses allocated ahead of time).
  bool opens_netns = true;
};

/// Where the skel reads its input and writes its output; a struct so tests need no process.
struct Io {
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::istream& in;
  std::ostream& out;  // result or error JSON only
  std::ostream& err;  // the "about" text when CNI_COMMAND is unset
};

/// Runs one CNI invocation: reads env and stdin, validates, negotiates the version, dispatches,
/// prints the result or the error JSON. Never throws. Returns the process exit code.
int run(const PluginFuncs& funcs, std::string_view plugin_name, Io io) noexcept;

/// run() with the real environment, stdin and stdout; sets up logging first. For main().
int run_main(const PluginFuncs& funcs, std::string_view plugin_name) noexcept;

}  // namespace cni

// The executable behind every plugin name: it runs as the plugin its file is called (argv[0]'s
// last component), as each plugin's own binary would.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bandwidth.hpp"
#include "bridge.hpp"
#include "cni/in_process.hpp"
#include "firewall.hpp"
#include "host_local.hpp"
#include "loopback.hpp"
#include "nft/socket_release.hpp"
#include "ovs.hpp"
#include "portmap.hpp"
#include "tuning.hpp"
#include "veth.hpp"

namespace {

struct Plugin {
  std::string_view name;      // the file name that selects it
  std::string_view log_name;  // the name it logs and reports as
  cni::PluginFuncs (*funcs)();
};

// Configs written for the reference say "type": "ptp": veth answers to that name too.
constexpr Plugin kPlugins[] = {
    {"bandwidth", "bandwidth", &cni::bandwidth::plugin},
    {"bridge", "bridge", &cni::bridge::plugin},
    {"firewall", "firewall", &cni::firewall::plugin},
    {"host-local", "host-local", &cni::ipam::host_local_plugin},
    {"loopback", "loopback", &cni::loopback::plugin},
    {"ovs", "ovs", &cni::ovs::plugin},
    {"portmap", "portmap", &cni::portmap::plugin},
    {"ptp", "veth", &cni::veth::plugin},
    {"tuning", "tuning", &cni::tuning::plugin},
    {"veth", "veth", &cni::veth::plugin},
};

std::string_view base_name(const char* argv0) {
  std::string_view path = argv0 != nullptr ? argv0 : "";
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view name = base_name(argc > 0 ? argv[0] : nullptr);
  for (const auto& p : kPlugins) {
    if (p.name != name) continue;
    // host-local is the only delegate run in-process: it keeps no process-wide state and
    // never enters a namespace.
    cni::offer_in_process("host-local", cni::ipam::host_local_plugin());
    cni::nft::keep_sockets_until_exit();
    return cni::run_main(p.funcs(), p.log_name);
  }
  // Run under a name that is no plugin's: say which names work, as an error a runtime can
  // read too.
  std::string names;
  for (const auto& p : kPlugins)
    names.append(names.empty() ? "" : ", ").append(p.name);
  std::cerr << "cni-plugins-cpp: run as one of the plugin names (a link or a copy named " << names
            << "), not as \"" << name << "\"\n";
  const nlohmann::json error = {{"cniVersion", "1.1.0"},
                                {"code", 7},
                                {"msg", "no plugin is called \"" + std::string(name) + "\""},
                                {"details", "this executable answers to: " + names}};
  std::cout << error.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 1;
}

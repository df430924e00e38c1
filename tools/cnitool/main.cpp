// cnitool: adds, checks, deletes, garbage-collects or queries a network configuration list in
// a network namespace, as upstream containernetworking/cni cnitool over libcni. The result
// (ADD) or a CNI error is printed as JSON on stdout; -v logs progress and timing on stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "conf_files.hpp"
#include "exec_list.hpp"
#include "options.hpp"

namespace {

using cni::tool::ToolCommand;

int usage(const char* argv0) {
  std::string exe = argv0;
  exe = exe.substr(exe.rfind('/') + 1);
  std::cerr << exe
            << ": Add, check, remove, gc or status network interfaces from a network namespace\n";
  for (const char* cmd : {"add   ", "check ", "del   ", "gc    ", "status"})
    std::cerr << "  " << exe << " [-v] " << cmd << " <net> <netns>\n";
  std::cerr << "Environment: NETCONFPATH, CNI_PATH, CNI_IFNAME, CNI_ARGS, CAP_ARGS, "
               "CNI_CONTAINERID, CNI_CACHE_DIR\n";
  return 1;
}

std::string current_dir() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

int print_error(const cni::Error& e, const std::string& version) {
  nlohmann::json j = {
      {"cniVersion", version}, {"code", static_cast<unsigned>(e.code())}, {"msg", e.msg()}};
  if (!e.details().empty()) j["details"] = e.details();
  std::cout << j.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  std::cerr << "cnitool: " << e.msg() << (e.details().empty() ? "" : ": ") << e.details()
            << std::endl;
  return 1;
}

int run(const cni::tool::Options& o, std::string& version) {
  auto list = cni::tool::load_conf_list(o.netconf_dir, o.network);
  if (cni::parse_version(list.cni_version)) version = list.cni_version;
  auto& rt = o.runtime;
  switch (o.command) {
    case ToolCommand::Add:
      std::cout << cni::tool::add_network_list(list, rt).dump(4) << std::endl;
      break;
    case ToolCommand::Check:
      cni::tool::check_network_list(list, rt);
      break;
    case ToolCommand::Del:
      cni::tool::del_network_list(list, rt);
      break;
    case ToolCommand::Gc:
      // The cache says which attachments are alive: GC releases what no cached ADD holds.
      cni::tool::gc_network_list(list, rt,
                                 cni::tool::cached_attachments_of(rt.cache_dir, list.name));
      break;
    case ToolCommand::Status:
      cni::tool::status_network_list(list, rt);
      break;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string version(cni::to_string(cni::kLatestVersion));
  try {
    auto getenv = [](const std::string& k) -> std::optional<std::string> {
      const char* v = std::getenv(k.c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
    auto opts = cni::tool::parse_options(std::vector<std::string>(argv + 1, argv + argc), getenv,
                                         current_dir());
    if (!opts) return usage(argv[0]);
    if (opts->verbose) opts->runtime.log = &std::cerr;
    auto start = std::chrono::steady_clock::now();
    int rc = run(*opts, version);
    if (opts->verbose) {
      std::chrono::duration<double, std::milli> d = std::chrono::steady_clock::now() - start;
      std::fprintf(stderr, "cnitool: done in %.1f ms\n", d.count());
    }
    return rc;
  } catch (const cni::Error& e) {
    return print_error(e, version);
  } catch (const std::exception& e) {
    return print_error(cni::Error(cni::Code::Internal, e.what()), version);
  }
}

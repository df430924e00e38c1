#include "resolv_conf.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "cni/error.hpp"

namespace cni::ipam {

Dns parse_resolv_conf_text(std::string_view text) {
  Dns dns;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> f;
    for (std::string w; words >> w;)
      f.push_back(w);
    if (f.empty() || f[0][0] == '#' || f[0][0] == ';' || f.size() < 2) continue;
    if (f[0] == "nameserver") {
      dns.nameservers.push_back(f[1]);
    } else if (f[0] == "domain") {
      dns.domain = f[1];
    } else if (f[0] == "search") {
      dns.search.insert(dns.search.end(), f.begin() + 1, f.end());
    } else if (f[0] == "options") {
      dns.options.insert(dns.options.end(), f.begin() + 1, f.end());
    }
  }
  return dns;
}

Dns read_resolv_conf(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error(Code::InvalidConfig,
                "ipam.resolvConf: cannot read \"" + path + "\": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_resolv_conf_text(text.str());
}

}  // namespace cni::ipam

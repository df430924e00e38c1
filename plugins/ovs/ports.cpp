#include "ports.hpp"

#include "cni/error.hpp"

namespace cni::ovs {

std::map<std::string, std::string> attachment_ids(const Request& req) {
  return {{"contNetns", req.netns_path},
          {"contIface", req.ifname},
          {"owner", kOwner},
          {kNetworkKey, req.conf.name},
          {kContainerKey, req.container_id}};
}

ovsdb::Client connect(const Config& cfg) {
  try {
    return ovsdb::Client::connect(cfg.socket, kOvsdbTimeout);
  } catch (const Error& e) {
    throw Error(e.code(), "socket_file: " + e.msg());
  }
}

std::vector<ovsdb::PortRow> attachment_ports(ovsdb::Client& c, const Request& req) {
  auto ports = ovsdb::find_ports(
      c,
      {{kNetworkKey, req.conf.name}, {kContainerKey, req.container_id}, {"contIface", req.ifname}});
  if (ports.empty() && !req.netns_path.empty()) {
    ports = ovsdb::find_ports(c, {{"contNetns", req.netns_path}, {"contIface", req.ifname}});
  }
  return ports;
}

bool owned(const ovsdb::PortRow& p) {
  auto it = p.external_ids.find("owner");
  return it != p.external_ids.end() && it->second == kOwner;
}

}  // namespace cni::ovs

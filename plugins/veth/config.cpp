#include "config.hpp"

#include "cni/conf_keys.hpp"
#include "cni/error.hpp"

namespace cni::veth {

Config parse_config(const Request& req, bool need_ipam) {
  const auto& raw = req.conf.raw;
  Config c;
  c.ip_masq = bool_key(raw, "ipMasq");
  check_masq_backend(raw);
  c.mtu = mtu_key(raw);
  if (need_ipam) {
    c.ipam_type = required_ipam_type(req.conf);
  } else if (req.conf.ipam.is_object()) {
    c.ipam_type = string_key(req.conf.ipam, "type");
  }
  if (req.command == Command::Add || req.command == Command::Check) c.mac = requested_mac(req);
  return c;
}

}  // namespace cni::veth

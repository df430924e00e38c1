#include "ipconfig/masquerade.hpp"

#include <set>

#include "cni/error.hpp"
#include "nft/iptables_masq.hpp"
#include "nft/masquerade.hpp"

namespace cni::ipconfig {

namespace {
nft::MasqAttachment attachment(const Request& req) {
  return {req.conf.name, req.container_id, req.ifname};
}

std::vector<nft::MasqAddress> addresses(const Result& r) {
  std::vector<nft::MasqAddress> out;
  for (const auto& ip : r.ips)
    out.push_back({ip.address});
  return out;
}
}  // namespace

void setup_masquerade(const Request& req, const Result& r) {
  nft::setup_masquerade(attachment(req), addresses(r));
}

void undo_masquerade(const Request& req) {
  nft::teardown_masquerade(attachment(req));
}

void teardown_masquerade(const Request& req) {
  ErrorList errors;
  errors.attempt([&] { nft::teardown_masquerade(attachment(req)); });
  errors.attempt([&] { nft::teardown_iptables_masquerade(req.conf.name, req.container_id); });
  errors.throw_if_any();
}

void check_masquerade(const Request& req, const Result& prev) {
  if (!nft::masquerade_present(attachment(req), addresses(prev))) {
    throw Error(Code::CheckFailed, "masquerade rules of " + req.container_id + "/" + req.ifname +
                                       " in network " + req.conf.name + " are missing");
  }
}

void gc_masquerade(const Request& req) {
  std::vector<std::pair<std::string, std::string>> valid;
  std::set<std::string> live_ids;
  for (const auto& a : req.valid_attachments) {
    valid.emplace_back(a.container_id, a.ifname);
    live_ids.insert(a.container_id);
  }
  ErrorList errors;
  errors.attempt([&] { nft::gc_masquerade(req.conf.name, valid); });
  errors.attempt([&] { nft::gc_iptables_masquerade(req.conf.name, live_ids); });
  errors.throw_if_any();
}

}  // namespace cni::ipconfig

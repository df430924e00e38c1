#include "link_attrs.hpp"

namespace cni::tuning {

Backup snapshot(const nl::Link& link, const Config& cfg, const std::string& network) {
  Backup b;
  if (cfg.mac) b.mac = link.mac();
  if (cfg.promisc) b.promisc = link.is_promisc();
  if (cfg.mtu != 0) b.mtu = link.mtu();
  if (cfg.allmulti) b.allmulti = link.is_allmulti();
  if (cfg.txqlen) b.txqlen = link.txqlen();
  b.network = network;
  return b;
}

void apply_link_attrs(nl::Socket& sock, const nl::Link& link, const Config& cfg,
                      const Backup& before, sys::Rollback& undo) {
  const nl::LinkRef ref(link);
  if (cfg.mac && before.mac && *cfg.mac != *before.mac) {
    nl::set_mac(sock, ref, *cfg.mac);
    undo.push([&sock, ref, old = *before.mac] { nl::set_mac(sock, ref, old); });
  }
  if (cfg.promisc && before.promisc && !*before.promisc) {
    nl::set_promisc(sock, ref, true);
    undo.push([&sock, ref] { nl::set_promisc(sock, ref, false); });
  }
  if (cfg.mtu != 0 && before.mtu != cfg.mtu) {
    nl::set_mtu(sock, ref, cfg.mtu);
    undo.push([&sock, ref, old = before.mtu] { nl::set_mtu(sock, ref, old); });
  }
  if (cfg.allmulti && before.allmulti && *cfg.allmulti != *before.allmulti) {
    nl::set_allmulti(sock, ref, *cfg.allmulti);
    undo.push([&sock, ref, old = *before.allmulti] { nl::set_allmulti(sock, ref, old); });
  }
  if (cfg.txqlen && before.txqlen && *cfg.txqlen != *before.txqlen) {
    nl::set_txqlen(sock, ref, *cfg.txqlen);
    undo.push([&sock, ref, old = *before.txqlen] { nl::set_txqlen(sock, ref, old); });
  }
}

ErrorList restore_link_attrs(nl::Socket& sock, const nl::Link& link, const Backup& saved) {
  const nl::LinkRef ref(link);
  ErrorList errors;
  auto step = [&](const char* what, auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      errors.add(e.wrap(std::string("restore ") + what));
    }
  };
  if (saved.mtu != 0 && saved.mtu != link.mtu()) {
    step("MTU", [&] { nl::set_mtu(sock, ref, saved.mtu); });
  }
  if (saved.mac && *saved.mac != link.mac()) {
    step("MAC", [&] { nl::set_mac(sock, ref, *saved.mac); });
  }
  if (saved.promisc && *saved.promisc != link.is_promisc()) {
    step("promiscuous mode", [&] { nl::set_promisc(sock, ref, *saved.promisc); });
  }
  if (saved.allmulti && *saved.allmulti != link.is_allmulti()) {
    step("all-multicast mode", [&] { nl::set_allmulti(sock, ref, *saved.allmulti); });
  }
  if (saved.txqlen && *saved.txqlen != link.txqlen()) {
    step("txqlen", [&] { nl::set_txqlen(sock, ref, *saved.txqlen); });
  }
  return errors;
}

void check_link_attrs(const nl::Link& link, const Config& cfg) {
  const std::string name = link.name();
  auto differs = [&](const std::string& what, const std::string& want, const std::string& got) {
    return Error(Code::CheckFailed, what + " of " + name + " is " + got + ", configured " + want);
  };
  if (cfg.mac && *cfg.mac != link.mac()) throw differs("MAC", *cfg.mac, link.mac());
  if (cfg.promisc && !link.is_promisc()) throw differs("promiscuous mode", "on", "off");
  if (cfg.mtu != 0 && cfg.mtu != link.mtu()) {
    throw differs("MTU", std::to_string(cfg.mtu), std::to_string(link.mtu()));
  }
  if (cfg.allmulti && *cfg.allmulti != link.is_allmulti()) {
    throw differs("all-multicast mode", *cfg.allmulti ? "on" : "off",
                  link.is_allmulti() ? "on" : "off");
  }
  if (cfg.txqlen && *cfg.txqlen != link.txqlen()) {
    throw differs("txqlen", std::to_string(*cfg.txqlen), std::to_string(link.txqlen()));
  }
}

}  // namespace cni::tuning

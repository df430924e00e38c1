// libFuzzer target: portmap's config (the JSON a runtime sends: runtimeConfig.portMappings,
// snat, masqAll, conditionsV4/V6, backend, markMasqBit, externalSetMarkChain), then the rule
// plans and the nftables rules built from it (pure: nothing is sent to the kernel).
// Properties: only cni::Error with code 6 or 7 is thrown, its message naming a portmap key;
// every accepted mapping has ports in 1..65535 and protocol tcp/udp/sctp; every plan's
// mappings are of its family; every built DNAT rule reads back as its mapping.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cni/error.hpp"
#include "config.hpp"
#include "fuzz_support.hpp"
#include "nft/hostport_layout.hpp"
#include "nft/nat_expr.hpp"
#include "portmap.hpp"

namespace {

constexpr std::string_view kKeysNamed[] = {"runtimeConfig",       "snat",    "masqAll",
                                           "conditionsV",         "backend", "markMasqBit",
                                           "externalSetMarkChain"};

void expect_config_error(const cni::Error& e) {
  if (e.code() != cni::Code::DecodingFailure && e.code() != cni::Code::InvalidConfig) {
    cni::fuzz::finding("config error with a code other than 6 or 7", e.msg());
  }
  for (auto key : kKeysNamed)
    if (e.msg().rfind(key, 0) == 0) return;
  cni::fuzz::finding("config error naming no key", e.msg());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto raw = nlohmann::json::parse(text, nullptr, false);
  if (raw.is_discarded() || !raw.is_object()) return 0;
  cni::portmap::Config cfg;
  try {
    cfg = cni::portmap::parse_config_json(raw);
  } catch (const cni::Error& e) {
    expect_config_error(e);
    return 0;
  }
  for (const auto& m : cfg.mappings) {
    if (m.host_port == 0 || m.container_port == 0) cni::fuzz::finding("port 0 accepted", text);
    if (m.proto != IPPROTO_TCP && m.proto != IPPROTO_UDP && m.proto != IPPROTO_SCTP)
      cni::fuzz::finding("unknown protocol accepted", text);
  }
  const cni::portmap::ContainerAddresses addrs{.v4 = cni::net::Prefix::parse("10.88.0.5/16"),
                                               .v6 = cni::net::Prefix::parse("fd00::5/64")};
  const cni::nft::MasqAttachment owner{.network = "n", .container_id = "c", .ifname = "eth0"};
  for (const auto& plan : cni::portmap::make_plans(cfg, addrs)) {
    for (const auto& m : plan.mappings) {
      if (m.host_ip && (m.host_ip->family() != plan.family() || m.host_ip->is_unspecified()))
        cni::fuzz::finding("host IP of the wrong family or unspecified in a plan", text);
      const auto rule = cni::nft::dnat_rule(plan, m, owner);
      const auto v = cni::nft::read_dnat(*rule.object, plan.family());
      if (!v || v->proto != m.proto || v->port != m.host_port || v->daddr != m.host_ip ||
          v->to_port != m.container_port || v->to_addr != plan.container.address()) {
        cni::fuzz::finding("DNAT rule does not read back as its mapping", rule.op);
      }
    }
    (void)cni::nft::hostport_masq_rules(plan, owner);
  }
  return 0;
}

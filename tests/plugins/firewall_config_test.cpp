#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cni/error.hpp"
#include "config.hpp"
#include "support/errors.hpp"

namespace cni::firewall {
namespace {

using nlohmann::json;
using test::error_of;

Request request(const json& conf) {
  Request r;
  r.conf.raw = conf;
  return r;
}

json base(const json& extra = json::object()) {
  json c = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "firewall"}};
  c.update(extra);
  return c;
}

void expect_refused(const json& extra, Code code, const std::string& field) {
  auto e = error_of([&] { parse_config(request(base(extra))); });
  EXPECT_EQ(e.code(), code) << extra.dump() << ": " << e.msg();
  EXPECT_TRUE(e.msg().starts_with(field + ":")) << e.msg();
}

TEST(FirewallConfig, Defaults) {
  const Config c = parse_config(request(base()));
  EXPECT_EQ(c.backend, Backend::Auto);
  EXPECT_EQ(c.admin_chain, "CNI-ADMIN");
  EXPECT_EQ(c.firewalld_zone, "trusted");
  EXPECT_EQ(c.ingress, IngressPolicy::Open);
}

TEST(FirewallConfig, BackendAcceptsWhatTheReferenceAccepts) {
  EXPECT_EQ(parse_config(request(base({{"backend", "iptables"}}))).backend, Backend::Iptables);
  EXPECT_EQ(parse_config(request(base({{"backend", "firewalld"}}))).backend, Backend::Firewalld);
  // Anything else means "auto" to the reference: podman writes "", some write "nftables".
  for (const char* other : {"", "nftables", "IPTABLES", "whatever"})
    EXPECT_EQ(parse_config(request(base({{"backend", other}}))).backend, Backend::Auto) << other;
  EXPECT_EQ(parse_config(request(base({{"backend", nullptr}}))).backend, Backend::Auto);
}

TEST(FirewallConfig, IngressPolicies) {
  EXPECT_EQ(parse_config(request(base({{"ingressPolicy", ""}}))).ingress, IngressPolicy::Open);
  EXPECT_EQ(parse_config(request(base({{"ingressPolicy", "open"}}))).ingress, IngressPolicy::Open);
  EXPECT_EQ(parse_config(request(base({{"ingressPolicy", "same-bridge"}}))).ingress,
            IngressPolicy::SameBridge);
  EXPECT_EQ(parse_config(request(base({{"ingressPolicy", "isolated"}}))).ingress,
            IngressPolicy::Isolated);
}

TEST(FirewallConfig, AdminChainAndZone) {
  const Config c = parse_config(
      request(base({{"iptablesAdminChainName", "MY-ADMIN"}, {"firewalldZone", "public"}})));
  EXPECT_EQ(c.admin_chain, "MY-ADMIN");
  EXPECT_EQ(c.firewalld_zone, "public");
  // "" means the default, as in the reference.
  EXPECT_EQ(parse_config(request(base({{"iptablesAdminChainName", ""}}))).admin_chain, "CNI-ADMIN");
  // What iptables -N takes is taken: 28 bytes, odd characters.
  EXPECT_EQ(
      parse_config(request(base({{"iptablesAdminChainName", std::string(28, 'a')}}))).admin_chain,
      std::string(28, 'a'));
  EXPECT_EQ(parse_config(request(base({{"iptablesAdminChainName", "x!y/z\"%"}}))).admin_chain,
            "x!y/z\"%");
}

TEST(FirewallConfig, BadInputNamesTheField) {
  expect_refused({{"backend", 1}}, Code::DecodingFailure, "backend");
  expect_refused({{"backend", json::array()}}, Code::DecodingFailure, "backend");
  expect_refused({{"iptablesAdminChainName", true}}, Code::DecodingFailure,
                 "iptablesAdminChainName");
  expect_refused({{"firewalldZone", 5}}, Code::DecodingFailure, "firewalldZone");
  expect_refused({{"ingressPolicy", 1}}, Code::DecodingFailure, "ingressPolicy");
  expect_refused({{"ingressPolicy", "closed"}}, Code::InvalidConfig, "ingressPolicy");
  expect_refused({{"ingressPolicy", "Same-Bridge"}}, Code::InvalidConfig, "ingressPolicy");
  // Chain names iptables -N refuses, and those that would loop or clash.
  for (const std::string& bad :
       {std::string(29, 'a'), std::string("-x"), std::string("!x"), std::string("a b"),
        std::string("a\tb"), std::string("ACCEPT"), std::string("DROP"), std::string("RETURN"),
        std::string("LOG"), std::string("MASQUERADE"), std::string("FORWARD"), std::string("INPUT"),
        std::string("CNI-FORWARD"), std::string("CNI-ISOLATION-STAGE-1")}) {
    expect_refused({{"iptablesAdminChainName", bad}}, Code::InvalidConfig,
                   "iptablesAdminChainName");
  }
}

TEST(FirewallConfig, ChainNameProblemIsEmptyForGoodNames) {
  EXPECT_EQ(chain_name_problem("CNI-ADMIN"), "");
  EXPECT_EQ(chain_name_problem("x!"), "");
  EXPECT_NE(chain_name_problem("ACCEPT"), "");
}

}  // namespace
}  // namespace cni::firewall

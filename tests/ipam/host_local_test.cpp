#include "host_local.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "support/skel_harness.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

namespace cni::ipam {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using test::slurp;
using test::spit;

class HostLocalTest : public ::testing::Test {
 protected:
  json conf(json ranges = json::array({json::array({{{"subnet", "10.1.2.0/24"}}}),
                                       json::array({{{"subnet", "2001:db8::/64"}}})})) {
    return {{"cniVersion", "1.1.0"},
            {"name", "net1"},
            {"type", "bridge"},
            {"ipam",
             {{"type", "host-local"},
              {"dataDir", dir.path()},
              {"ranges", ranges},
              {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}};
  }
  Request req(const std::string& id, const std::string& ifname = "eth0", const json& c = nullptr) {
    Request r;
    r.container_id = id;
    r.ifname = ifname;
    r.conf.raw = c.is_null() ? conf() : c;
    r.conf.name = r.conf.raw["name"];
    r.conf.version = Version::V1_1_0;
    return r;
  }
  std::string net(const std::string& name = "") const {
    return dir.path() + "/net1" + (name.empty() ? "" : "/" + name);
  }
  std::set<std::string> reservations() const {
    std::set<std::string> out;
    if (!stdfs::exists(net())) return out;
    for (const auto& e : stdfs::directory_iterator(net())) {
      auto n = e.path().filename().string();
      if (n != "lock" && !n.starts_with("last_reserved_ip.")) out.insert(n);
    }
    return out;
  }

  test::TempDir dir;
};

TEST_F(HostLocalTest, AddReturnsAddressesRoutesAndDns) {
  spit(dir.path() + "/resolv.conf", "nameserver 192.0.2.3\nsearch example.com\n");
  auto c = conf();
  c["ipam"]["resolvConf"] = dir.path() + "/resolv.conf";
  auto r = cmd_add(req("c1", "eth0", c));
  ASSERT_EQ(r.ips.size(), 2u);
  EXPECT_EQ(r.ips[0].address.to_string(), "10.1.2.2/24");
  EXPECT_EQ(r.ips[0].gateway->to_string(), "10.1.2.1");
  EXPECT_EQ(r.ips[1].address.to_string(), "2001:db8::2/64");
  EXPECT_TRUE(r.interfaces.empty());
  ASSERT_EQ(r.routes.size(), 1u);
  EXPECT_EQ(r.routes[0].dst.to_string(), "0.0.0.0/0");
  EXPECT_EQ(r.dns.nameservers, std::vector<std::string>{"192.0.2.3"});
  EXPECT_EQ(r.dns.search, std::vector<std::string>{"example.com"});
  EXPECT_EQ(slurp(net("10.1.2.2")), "c1\r\neth0");
}

TEST_F(HostLocalTest, AddWithRequestedAddressesFromEverySource) {
  auto c = conf();
  c["args"] = {{"cni", {{"ips", json::array({"2001:db8::77"})}}}};
  auto r1 = req("c1", "eth0", c);
  r1.args = CniArgs::parse("IP=10.1.2.99");
  auto r = cmd_add(r1);
  EXPECT_EQ(r.ips[0].address.to_string(), "10.1.2.99/24");
  EXPECT_EQ(r.ips[1].address.to_string(), "2001:db8::77/64");
  auto r2 = req("c2");
  r2.args = CniArgs::parse("IP=10.1.2.99");
  EXPECT_CNI_ERROR(cmd_add(r2), Code::Ipam, "requested IP address 10.1.2.99 is not available");
  EXPECT_EQ(reservations(), (std::set<std::string>{"10.1.2.99", "2001:db8::77"}));
}

TEST_F(HostLocalTest, DelIsIdempotentAndLeavesOthersAlone) {
  cmd_add(req("c1"));
  cmd_add(req("c1", "eth1"));
  cmd_del(req("c1"));
  EXPECT_EQ(reservations(), (std::set<std::string>{"10.1.2.3", "2001:db8::3"}));
  EXPECT_NO_THROW(cmd_del(req("c1")));
  EXPECT_NO_THROW(cmd_del(req("never-added")));
  EXPECT_EQ(reservations().size(), 2u);
}

TEST_F(HostLocalTest, DelWithoutAStoreCreatesNothingAndIgnoresABrokenRangeConfig) {
  auto c = conf(json::array({json::array({{{"subnet", "10.1.2.5/24"}}})}));  // host bits set
  EXPECT_NO_THROW(cmd_del(req("c1", "eth0", c)));
  EXPECT_FALSE(stdfs::exists(net()));
  cmd_add(req("c1"));
  EXPECT_NO_THROW(cmd_del(req("c1", "eth0", c)));
  EXPECT_TRUE(reservations().empty());
}

TEST_F(HostLocalTest, Check) {
  EXPECT_CNI_ERROR(cmd_check(req("c1")), Code::CheckFailed, "does not exist");
  cmd_add(req("c1"));
  EXPECT_NO_THROW(cmd_check(req("c1")));
  EXPECT_CNI_ERROR(cmd_check(req("c1", "eth1")), Code::CheckFailed,
                   "CHECK: no address is reserved for container c1 interface eth1 in range set 0 "
                   "(10.1.2.1-10.1.2.254)");
  // A range set added to the config since ADD has no reservation.
  auto more = conf(json::array({json::array({{{"subnet", "10.1.2.0/24"}}}),
                                json::array({{{"subnet", "2001:db8::/64"}}}),
                                json::array({{{"subnet", "10.7.0.0/24"}}})}));
  EXPECT_CNI_ERROR(cmd_check(req("c1", "eth0", more)), Code::CheckFailed, "in range set 2");
  // prevResult addresses inside our ranges must be ours.
  auto r = req("c1");
  r.conf.prev_result = Result{};
  r.conf.prev_result->ips.push_back({*net::Prefix::parse("10.1.2.2/24"), std::nullopt, 0});
  EXPECT_NO_THROW(cmd_check(r));
  r.conf.prev_result->ips.push_back({*net::Prefix::parse("10.1.2.50/24"), std::nullopt, 0});
  EXPECT_CNI_ERROR(cmd_check(r), Code::CheckFailed,
                   "CHECK: prevResult address 10.1.2.50/24 is not reserved for container c1");
  cmd_del(req("c1"));
  EXPECT_CNI_ERROR(cmd_check(req("c1")), Code::CheckFailed, "no address is reserved");
}

TEST_F(HostLocalTest, GcReleasesExactlyTheStaleOnes) {
  cmd_add(req("keep"));
  cmd_add(req("twoif", "eth0"));
  cmd_add(req("twoif", "eth1"));
  cmd_add(req("stale"));
  spit(net("10.1.2.200"), "legacy-kept");
  spit(net("10.1.2.201"), "legacy-gone");
  spit(net("10.1.2.202"), "");
  auto gc = req("");
  gc.valid_attachments = {{"keep", "eth0"}, {"twoif", "eth0"}, {"legacy-kept", "eth5"}};
  cmd_gc(gc);
  EXPECT_EQ(reservations(), (std::set<std::string>{"10.1.2.2", "2001:db8::2", "10.1.2.3",
                                                   "2001:db8::3", "10.1.2.200"}));
  EXPECT_TRUE(stdfs::exists(net("lock")));
  EXPECT_TRUE(stdfs::exists(net("last_reserved_ip.0")));
  EXPECT_TRUE(stdfs::exists(net("last_reserved_ip.1")));
  // The index follows: the released attachments are gone, the kept ones still found.
  EXPECT_NO_THROW(cmd_check(req("keep")));
  EXPECT_CNI_ERROR(cmd_check(req("twoif", "eth1")), Code::CheckFailed, "no address");
  // An empty list means everything is stale.
  gc.valid_attachments.clear();
  cmd_gc(gc);
  EXPECT_TRUE(reservations().empty());
  EXPECT_TRUE(stdfs::exists(net("lock")));
}

TEST_F(HostLocalTest, GcWithoutAStoreIsANoOp) {
  auto gc = req("");
  EXPECT_NO_THROW(cmd_gc(gc));
  EXPECT_FALSE(stdfs::exists(net()));
}

TEST_F(HostLocalTest, Status) {
  auto tiny = conf(json::array({json::array({{{"subnet", "10.0.0.0/30"}}})}));  // 1 address
  EXPECT_NO_THROW(cmd_status(req("", "", tiny)));
  EXPECT_FALSE(stdfs::exists(net()));  // STATUS creates nothing
  cmd_add(req("c1", "eth0", tiny));
  EXPECT_CNI_ERROR(cmd_status(req("", "", tiny)), Code::NotAvailable,
                   "STATUS: no IP addresses available in range set 0: 10.0.0.1-10.0.0.2");
  cmd_del(req("c1", "eth0", tiny));
  EXPECT_NO_THROW(cmd_status(req("", "", tiny)));

  spit(dir.path() + "/file", "x");
  auto bad = tiny;
  bad["ipam"]["dataDir"] = dir.path() + "/file/sub";
  EXPECT_CNI_ERROR(cmd_status(req("", "", bad)), Code::NotAvailable, "is not a directory");
  EXPECT_CNI_ERROR(cmd_status(req("", "", conf(json::array()))), Code::InvalidConfig,
                   "no IP ranges");
}

TEST_F(HostLocalTest, ThroughTheSkelInEveryResultShape) {
  for (const char* v : {"0.2.0", "0.4.0", "1.1.0"}) {
    auto c = conf(json::array({json::array({{{"subnet", "10.1.2.0/24"}}}),
                               json::array({{{"subnet", "2001:db8::/64"}}})}));
    c["cniVersion"] = v;
    cni::test::SkelCall call;
    call.env = {{"CNI_COMMAND", "ADD"},
                {"CNI_CONTAINERID", std::string("c-") + v},
                {"CNI_NETNS", "/proc/self/ns/net"},
                {"CNI_NETNS_OVERRIDE", "1"},
                {"CNI_IFNAME", "eth0"},
                {"CNI_PATH", "/opt/cni/bin"}};
    call.stdin_data = c.dump();
    ASSERT_EQ(call.run(host_local_plugin()), 0) << call.out;
    auto out = call.json_out();
    EXPECT_EQ(out["cniVersion"], v);
    if (std::string(v) == "0.2.0") {
      EXPECT_TRUE(out["ip4"]["ip"].get<std::string>().starts_with("10.1.2."));
      EXPECT_TRUE(out["ip6"]["ip"].get<std::string>().starts_with("2001:db8::"));
      EXPECT_FALSE(out.contains("ips"));
    } else {
      ASSERT_EQ(out["ips"].size(), 2u);
      EXPECT_EQ(out["ips"][0].contains("version"), std::string(v) == "0.4.0");
      EXPECT_FALSE(out["ips"][0].contains("interface"));
      EXPECT_FALSE(out.contains("interfaces"));
    }
  }
  // More than one range set per family is refused for 0.2.0, as the reference.
  auto two = conf(json::array(
      {json::array({{{"subnet", "10.1.2.0/24"}}}), json::array({{{"subnet", "10.1.3.0/24"}}})}));
  two["cniVersion"] = "0.2.0";
  cni::test::SkelCall call;
  call.env = {
      {"CNI_COMMAND", "ADD"},      {"CNI_CONTAINERID", "c9"}, {"CNI_NETNS", "/proc/self/ns/net"},
      {"CNI_NETNS_OVERRIDE", "1"}, {"CNI_IFNAME", "eth0"},    {"CNI_PATH", "/opt/cni/bin"}};
  call.stdin_data = two.dump();
  EXPECT_EQ(call.run(host_local_plugin()), 1);
  EXPECT_EQ(call.error_code(), 7);
  EXPECT_NE(call.error_msg().find("does not support more than 1 address per family"),
            std::string::npos);
}

}  // namespace
}  // namespace cni::ipam

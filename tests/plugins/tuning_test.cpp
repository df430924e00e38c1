// The tuning plugin's pure parts: sysctl key normalisation, config parsing and precedence,
// the backup file format, the allow-list. Privileged parts are in integration/test_tuning.sh.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "allowlist.hpp"
#include "backup.hpp"
#include "cni/error.hpp"
#include "config.hpp"
#include "mac.hpp"
#include "support/errors.hpp"
#include "sysctl_key.hpp"

namespace cni::tuning {
namespace {

using test::error_of;

// --- sysctl keys -------------------------------------------------------------------------

struct KeyCase {
  const char* key;
  const char* ifname;
  const char* path;  // nullptr: refused
};

TEST(TuningSysctlKey, NormalisationTable) {
  const KeyCase cases[] = {
      {"net.core.somaxconn", "eth0", "net/core/somaxconn"},
      {"net/core/somaxconn", "eth0", "net/core/somaxconn"},
      {"net.ipv4.conf.IFNAME.arp_filter", "eth0", "net/ipv4/conf/eth0/arp_filter"},
      // A dotted ifname substituted after the separators swapped keeps its dot.
      {"net.ipv4.conf.IFNAME.arp_filter", "eth0.100", "net/ipv4/conf/eth0.100/arp_filter"},
      {"net/ipv4/conf/IFNAME/arp_filter", "eth0.100", "net/ipv4/conf/eth0.100/arp_filter"},
      // Slash form: dots are part of names.
      {"net/ipv4/conf/eth0.100/rp_filter", "eth0", "net/ipv4/conf/eth0.100/rp_filter"},
      // Dot form with a slash inside a component (sysctl(8)): the slash becomes a dot.
      {"net.ipv4.conf.eth0/100.rp_filter", "eth0", "net/ipv4/conf/eth0.100/rp_filter"},
      // Only the first IFNAME is replaced (as the reference).
      {"net.IFNAME.IFNAME", "eth1", "net/eth1/IFNAME"},
      // Cleaning: a detour that stays inside net/ is fine (the reference's filepath.Clean).
      {"net/ipv4/../core/somaxconn", "eth0", "net/core/somaxconn"},
      {"net//core/./somaxconn", "eth0", "net/core/somaxconn"},
      {"net.ipv4/../../kernel", "eth0", "net/ipv4./.kernel"},  // "/" and "." swap: harmless names
      {"net/../kernel/x", "eth0", nullptr},
      {"net/ipv4/../../kernel/shmmax", "eth0", nullptr},
      {"kernel.shmmax", "eth0", nullptr},
      {"vm.swappiness", "eth0", nullptr},
      {"kernel/core_pattern", "eth0", nullptr},
      {"/net/core/somaxconn", "eth0", "net/core/somaxconn"},
      {"../net/core/somaxconn", "eth0", nullptr},  // dot form: "//.net.core.somaxconn"
      {"../../etc/passwd", "eth0", nullptr},
      {"net", "eth0", nullptr},
      {"net/", "eth0", nullptr},
      {"net.", "eth0", nullptr},
      {"netfilter.x", "eth0", nullptr},
      {"IFNAME.core.somaxconn", "net", "net/core/somaxconn"},
      {"", "eth0", nullptr},
  };
  for (const auto& c : cases) {
    if (c.path) {
      EXPECT_EQ(sysctl_path(c.key, c.ifname), c.path) << c.key;
    } else {
      auto e = error_of([&] { sysctl_path(c.key, c.ifname); });
      EXPECT_EQ(e.code(), Code::InvalidConfig) << c.key;
      EXPECT_EQ(e.msg().rfind("sysctl[\"" + std::string(c.key) + "\"]: ", 0), 0U) << e.msg();
    }
  }
}

TEST(TuningSysctlKey, MessageNamesWhereItLeads) {
  auto e = error_of([] { sysctl_path("net/../kernel/x", "eth0"); });
  EXPECT_NE(e.msg().find("/proc/sys/kernel/x"), std::string::npos) << e.msg();
  e = error_of([] { sysctl_path("kernel.x", "eth0", "args.cni.sysctl"); });
  EXPECT_EQ(e.msg().rfind("args.cni.sysctl[\"kernel.x\"]: ", 0), 0U) << e.msg();
}

TEST(TuningSysctlKey, RefusesControlCharactersAndLongKeys) {
  EXPECT_EQ(error_of([] { sysctl_path(std::string("net/core/\nx"), "eth0"); }).code(),
            Code::InvalidConfig);
  EXPECT_EQ(error_of([] { sysctl_path(std::string("net/core/\0x", 11), "eth0"); }).code(),
            Code::InvalidConfig);
  EXPECT_EQ(error_of([] { sysctl_path("net/" + std::string(300, 'a'), "eth0"); }).code(),
            Code::InvalidConfig);
}

// --- config ------------------------------------------------------------------------------

Request request(const std::string& conf, const std::string& cni_args = "",
                const std::string& ifname = "eth0") {
  Request r;
  r.command = Command::Add;
  r.container_id = "ctr1";
  r.ifname = ifname;
  r.stdin_data = conf;
  r.conf.raw = nlohmann::json::parse(conf);
  r.conf.name = "net1";
  r.args = CniArgs::parse(cni_args);
  return r;
}

TEST(TuningConfig, Defaults) {
  auto c = parse_config(request(R"({"type":"tuning"})"));
  EXPECT_TRUE(c.sysctls.empty());
  EXPECT_FALSE(c.changes_link());
  EXPECT_EQ(c.data_dir, "/run/cni/tuning");
}

TEST(TuningConfig, EveryKey) {
  auto c = parse_config(request(R"({"sysctl":{"net.core.somaxconn":"500",
    "net.ipv4.conf.IFNAME.arp_filter":"1"},"mac":"0A:58:0A:00:00:05","promisc":true,"mtu":1400,
    "allmulti":false,"txQLen":0,"dataDir":"/tmp/x/"})"));
  ASSERT_EQ(c.sysctls.size(), 2U);
  EXPECT_EQ(c.sysctls[0].path, "net/core/somaxconn");
  EXPECT_EQ(c.sysctls[1].path, "net/ipv4/conf/eth0/arp_filter");
  EXPECT_EQ(c.sysctls[1].key, "net.ipv4.conf.IFNAME.arp_filter");
  EXPECT_EQ(c.mac, "0a:58:0a:00:00:05");
  EXPECT_TRUE(c.promisc);
  EXPECT_EQ(c.mtu, 1400);
  EXPECT_EQ(c.allmulti, false);
  EXPECT_EQ(c.txqlen, 0U);  // 0 is a value (the reference's *int)
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_TRUE(c.changes_link());
}

TEST(TuningConfig, MacPrecedence) {
  // Lowest to highest: "mac", CNI_ARGS MAC=, runtimeConfig.mac, args.cni.mac.
  const std::string base = R"({"mac":"02:00:00:00:00:01")";
  EXPECT_EQ(parse_config(request(base + "}")).mac, "02:00:00:00:00:01");
  EXPECT_EQ(parse_config(request(base + "}", "MAC=02:00:00:00:00:02")).mac, "02:00:00:00:00:02");
  EXPECT_EQ(parse_config(request(base + R"(,"runtimeConfig":{"mac":"02:00:00:00:00:03"}})",
                                 "MAC=02:00:00:00:00:02"))
                .mac,
            "02:00:00:00:00:03");
  EXPECT_EQ(parse_config(request(base + R"(,"runtimeConfig":{"mac":"02:00:00:00:00:03"},
      "args":{"cni":{"mac":"02:00:00:00:00:04"}}})",
                                 "MAC=02:00:00:00:00:02"))
                .mac,
            "02:00:00:00:00:04");
  // An empty args.cni.mac wins too: no MAC change at all.
  EXPECT_FALSE(parse_config(request(base + R"(,"args":{"cni":{"mac":""}}})")).mac);
}

TEST(TuningConfig, ArgsCniOverrideTopLevel) {
  auto c = parse_config(request(R"({"sysctl":{"net.core.somaxconn":"500","net.core.rmem_max":"1"},
    "promisc":true,"mtu":1400,"allmulti":true,"txQLen":5,
    "args":{"cni":{"sysctl":{"net/core/somaxconn":"600"},"promisc":false,"mtu":1300,
    "allmulti":false,"txQLen":7}}})"));
  ASSERT_EQ(c.sysctls.size(), 2U);
  EXPECT_EQ(c.sysctls[0].path, "net/core/rmem_max");
  EXPECT_EQ(c.sysctls[1].path, "net/core/somaxconn");
  EXPECT_EQ(c.sysctls[1].value, "600");
  EXPECT_EQ(c.sysctls[1].field, "args.cni.sysctl");
  EXPECT_FALSE(c.promisc);
  EXPECT_EQ(c.mtu, 1300);
  EXPECT_EQ(c.allmulti, false);
  EXPECT_EQ(c.txqlen, 7U);
}

struct BadCase {
  const char* conf;
  Code code;
  const char* msg_start;
};

TEST(TuningConfig, ErrorsNameTheKey) {
  const BadCase cases[] = {
      {R"({"sysctl":{"kernel.shmmax":"1"}})", Code::InvalidConfig, "sysctl[\"kernel.shmmax\"]: "},
      {R"({"sysctl":{"vm.swappiness":"1"}})", Code::InvalidConfig, "sysctl[\"vm.swappiness\"]: "},
      {R"({"sysctl":{"net/../kernel/x":"1"}})", Code::InvalidConfig, "sysctl[\"net/../kernel/x\"]"},
      {R"({"args":{"cni":{"sysctl":{"kernel.x":"1"}}}})", Code::InvalidConfig,
       "args.cni.sysctl[\"kernel.x\"]: "},
      {R"({"sysctl":{"net.core.somaxconn":500}})", Code::DecodingFailure,
       "sysctl[\"net.core.somaxconn\"]: must be a string"},
      {R"({"sysctl":["net.core.somaxconn"]})", Code::DecodingFailure, "sysctl: "},
      {R"({"sysctl":{"net.core.somaxconn":"1","net/core/somaxconn":"2"}})", Code::InvalidConfig,
       "sysctl[\"net/core/somaxconn\"] and sysctl[\"net.core.somaxconn\"] name the same file"},
      {R"({"sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}})", Code::InvalidConfig,
       "sysctl[\"net.core.somaxconn\"]: duplicated sysctl key"},
      {R"({"mac":"02:00:00:00:00"})", Code::InvalidConfig, "mac: \"02:00:00:00:00\" is not a MAC"},
      {R"({"mac":"01:00:5e:00:00:01"})", Code::InvalidConfig,
       "mac: \"01:00:5e:00:00:01\" is not a unicast"},
      {R"({"mac":5})", Code::DecodingFailure, "mac: must be a string"},
      {R"({"runtimeConfig":{"mac":"zz:00:00:00:00:01"}})", Code::InvalidConfig,
       "runtimeConfig.mac: "},
      {R"({"args":{"cni":{"mac":"00:00:00:00:00:00"}}})", Code::InvalidConfig, "args.cni.mac: "},
      {R"({"mtu":40})", Code::InvalidConfig, "mtu: 40 is out of range [68, 65535]"},
      {R"({"mtu":-1})", Code::InvalidConfig, "mtu: -1 is out of range"},
      {R"({"mtu":70000})", Code::InvalidConfig, "mtu: 70000 is out of range"},
      {R"({"mtu":"1500"})", Code::DecodingFailure, "mtu: must be an integer"},
      {R"({"args":{"cni":{"mtu":12}}})", Code::InvalidConfig, "args.cni.mtu: 12 is out of range"},
      {R"({"txQLen":-1})", Code::InvalidConfig, "txQLen: -1 is out of range [0, 4294967295]"},
      {R"({"txQLen":4294967296})", Code::InvalidConfig, "txQLen: 4294967296 is out of range"},
      {R"({"args":{"cni":{"txQLen":-3}}})", Code::InvalidConfig, "args.cni.txQLen: -3"},
      {R"({"promisc":"yes"})", Code::DecodingFailure, "promisc: must be a boolean"},
      {R"({"allmulti":1})", Code::DecodingFailure, "allmulti: must be a boolean"},
      {R"({"args":{"cni":{"allmulti":1}}})", Code::DecodingFailure, "args.cni.allmulti: "},
      {R"({"dataDir":"run/cni"})", Code::InvalidConfig, "dataDir: \"run/cni\" is not an absolute"},
      {R"({"dataDir":7})", Code::DecodingFailure, "dataDir: must be a string"},
      {R"({"args":{"cni":[]}})", Code::DecodingFailure, "args.cni: must be an object"},
  };
  for (const auto& c : cases) {
    auto e = error_of([&] { parse_config(request(c.conf)); });
    EXPECT_EQ(e.code(), c.code) << c.conf << " -> " << e.msg();
    EXPECT_EQ(e.msg().rfind(c.msg_start, 0), 0U) << c.conf << " -> " << e.msg();
  }
}

TEST(TuningConfig, CniArgsMac) {
  auto e = error_of([] { parse_config(request("{}", "MAC=nonsense")); });
  EXPECT_EQ(e.code(), Code::InvalidEnvironment);
  EXPECT_EQ(e.msg().rfind("CNI_ARGS: MAC: \"nonsense\"", 0), 0U) << e.msg();
  // Unknown CNI_ARGS keys need IgnoreUnknown, as the reference's LoadArgs.
  EXPECT_EQ(error_of([] { parse_config(request("{}", "K8S_POD_NAME=x")); }).code(),
            Code::InvalidEnvironment);
  EXPECT_NO_THROW(parse_config(request("{}", "IgnoreUnknown=1;K8S_POD_NAME=x")));
}

TEST(TuningConfig, DuplicateDetectionLooksOnlyAtTheSysctlObject) {
  EXPECT_NO_THROW(refuse_duplicate_sysctls(
      R"({"sysctl":{"net.a":"1","net.b":"1"},"x":{"net.a":1,"net.a":2},"y":[{"a":1,"a":2}]})"));
  EXPECT_NO_THROW(refuse_duplicate_sysctls(R"({"sysctl":{"net.a":{"b":1,"b":1}}})"));
  // Go's decoder fills one map from "sysctl" in any case.
  EXPECT_EQ(error_of([] {
              refuse_duplicate_sysctls(R"({"sysctl":{"net.a":"1"},"SysCtl":{"net.a":"2"}})");
            }).code(),
            Code::InvalidConfig);
}

TEST(TuningConfig, DataDirOnly) {
  EXPECT_EQ(parse_data_dir(nlohmann::json::parse(R"({"mac":"bad"})")), "/run/cni/tuning");
  EXPECT_EQ(parse_data_dir(nlohmann::json::parse(R"({"dataDir":"/x/y"})")), "/x/y");
}

// --- MAC ---------------------------------------------------------------------------------

TEST(TuningMac, Normalises) {
  EXPECT_EQ(normalise_mac("0A-58-0A-00-00-05"), "0a:58:0a:00:00:05");
  EXPECT_EQ(normalise_mac("0a:58:0a:00:00:05"), "0a:58:0a:00:00:05");
  EXPECT_FALSE(normalise_mac("0a:58-0a:00:00:05"));
  EXPECT_FALSE(normalise_mac("0a:58:0a:00:00:5"));
  EXPECT_FALSE(normalise_mac("0a:58:0a:00:00:0g"));
  EXPECT_TRUE(is_assignable_mac("02:00:00:00:00:01"));
  EXPECT_FALSE(is_assignable_mac("03:00:00:00:00:01"));
  EXPECT_FALSE(is_assignable_mac("00:00:00:00:00:00"));
}

// --- backup file -------------------------------------------------------------------------

TEST(TuningBackup, RendersTheReferenceBytes) {
  // Go: json.MarshalIndent(configToRestore{...}, "", " ").
  Backup b{.mac = "02:11:22:33:44:56", .promisc = false, .mtu = 1500};
  EXPECT_EQ(render_backup(b),
            "{\n \"mac\": \"02:11:22:33:44:56\",\n \"promisc\": false,\n \"mtu\": 1500\n}");
  Backup all{.mac = "02:11:22:33:44:56",
             .promisc = true,
             .mtu = 9000,
             .allmulti = false,
             .txqlen = 1000,
             .network = "podman"};
  EXPECT_EQ(render_backup(all),
            "{\n \"mac\": \"02:11:22:33:44:56\",\n \"promisc\": true,\n \"mtu\": 9000,\n"
            " \"allmulti\": false,\n \"txQLen\": 1000,\n \"network\": \"podman\"\n}");
  EXPECT_EQ(parse_backup(render_backup(all)), all);
  EXPECT_EQ(parse_backup(render_backup(b)), b);
}

TEST(TuningBackup, ParsesWhatTheReferenceMayWrite) {
  auto b = parse_backup(R"({"mac":"02:11:22:33:44:56","mtu":1500,"txQLen":0,"future":[1]})");
  EXPECT_EQ(b.mac, "02:11:22:33:44:56");
  EXPECT_EQ(b.mtu, 1500);
  EXPECT_EQ(b.txqlen, 0U);
  EXPECT_FALSE(b.promisc);
  EXPECT_TRUE(b.network.empty());
  EXPECT_EQ(parse_backup("{}"), Backup{});
  EXPECT_EQ(parse_backup(R"({"mac":"","promisc":null})"), Backup{});
}

TEST(TuningBackup, RefusesUnusableFiles) {
  for (const char* text :
       {"", "null", "[]", "{", R"({"mac":1})", R"({"mac":"nonsense"})", R"({"mtu":"1500"})",
        R"({"mtu":-5})", R"({"mtu":1.5})", R"({"txQLen":-1})", R"({"txQLen":4294967296})",
        R"({"promisc":"false"})", R"({"allmulti":0})", R"({"mtu":99999999999999999999})"}) {
    EXPECT_EQ(error_of([&] { parse_backup(text); }).code(), Code::DecodingFailure) << text;
  }
}

TEST(TuningBackup, FileNames) {
  EXPECT_EQ(backup_file_name("abc", "eth0"), "abc_eth0.json");
  EXPECT_TRUE(is_backup_file_name("abc_eth0.json"));
  EXPECT_TRUE(is_backup_file_name("a_b_c_eth0.json"));  // container IDs may hold '_'
  EXPECT_TRUE(is_backup_file_name("abc_eth0.100.json"));
  EXPECT_FALSE(is_backup_file_name("abc.json"));
  EXPECT_FALSE(is_backup_file_name("_eth0.json"));
  EXPECT_FALSE(is_backup_file_name("abc_.json"));
  EXPECT_FALSE(is_backup_file_name(".abc_eth0.json.1a2b3c4d"));
  EXPECT_FALSE(is_backup_file_name("abc_eth0.json.tmp"));
  EXPECT_FALSE(is_backup_file_name("abc_" + std::string(16, 'x') + ".json"));
  EXPECT_FALSE(is_backup_file_name("README"));
}

// --- allow-list --------------------------------------------------------------------------

TEST(TuningAllowlist, MatchesAnywhereInTheKeyAsWritten) {
  auto a = Allowlist::parse("  ^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$\n\n somaxconn \n", "/al");
  EXPECT_NO_THROW(a.require("net.ipv4.conf.IFNAME.arp_filter", "sysctl"));
  EXPECT_NO_THROW(a.require("net.core.somaxconn", "sysctl"));
  auto e = error_of([&] { a.require("net.ipv4.conf.all.arp_filter", "sysctl"); });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_EQ(e.msg(),
            "sysctl[\"net.ipv4.conf.all.arp_filter\"]: not allowed by the sysctl allow-list /al");
  // An empty allow-list allows nothing (the file exists).
  EXPECT_THROW(Allowlist::parse("\n", "/al").require("net.core.somaxconn", "sysctl"), Error);
}

TEST(TuningAllowlist, BadPatternNamesFileAndLine) {
  auto e = error_of([] { Allowlist::parse("^net\n(unclosed\n", "/al"); });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_EQ(e.msg().rfind("sysctl allow-list /al line 2: ", 0), 0U) << e.msg();
}

TEST(TuningAllowlist, MissingFileMeansNoList) {
  EXPECT_FALSE(Allowlist::load("/nonexistent/cni-tuning-test/allowlist.conf"));
}

}  // namespace
}  // namespace cni::tuning

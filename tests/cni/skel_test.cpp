// The skel end to end, in-process: env + stdin in, result or error JSON out.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cni/error.hpp"
#include "support/skel_harness.hpp"

namespace cni {
namespace {

using nlohmann::json;
using test::SkelCall;

Result sample_result() {
  Result r;
  r.interfaces.push_back({.name = "eth0", .mac = "0a:58:0a:01:00:05", .sandbox = "/run/netns/x"});
  r.ips.push_back({.address = *net::Prefix::parse("10.1.0.5/16"),
                   .gateway = net::IpAddress::parse("10.1.0.1"),
                   .interface = 0});
  r.ips.push_back({.address = *net::Prefix::parse("fd00::5/64"), .gateway = {}, .interface = 0});
  r.routes.push_back(
      {.dst = *net::Prefix::parse("0.0.0.0/0"), .gw = net::IpAddress::parse("10.1.0.1")});
  return r;
}

// A plugin that records what it was called with.
struct Recorder {
  int adds = 0, dels = 0, checks = 0, statuses = 0, gcs = 0;
  std::optional<Request> last;  // copy of the fields we inspect
  bool del_had_netns = false;
  std::vector<Attachment> attachments;
  std::optional<Result> prev;

  PluginFuncs funcs() {
    return PluginFuncs{
        .add =
            [this](const Request& r) {
              ++adds;
              prev = r.conf.prev_result;
              return sample_result();
            },
        .del =
            [this](const Request& r) {
              ++dels;
              del_had_netns = r.netns.has_value();
            },
        .check = [this](const Request&) { ++checks; },
        .status = [this](const Request&) { ++statuses; },
        .gc =
            [this](const Request& r) {
              ++gcs;
              attachments = r.valid_attachments;
            },
    };
  }
};

SkelCall add_call(std::string config) {
  SkelCall c;
  c.env = {{"CNI_COMMAND", "ADD"},
           {"CNI_CONTAINERID", "c1"},
           {"CNI_NETNS", "/proc/self/ns/net"},
           {"CNI_NETNS_OVERRIDE", "1"},
           {"CNI_IFNAME", "eth0"}};
  c.stdin_data = std::move(config);
  return c;
}

const char* kConf = R"({"cniVersion":"1.0.0","name":"net1","type":"test"})";

TEST(Skel, NoCommandPrintsAboutAndSucceeds) {
  Recorder p;
  SkelCall c;
  EXPECT_EQ(c.run(p.funcs()), 0);
  EXPECT_TRUE(c.out.empty());
  EXPECT_NE(c.err.find("CNI protocol versions supported"), std::string::npos);
}

TEST(Skel, UnknownCommandIsCode4) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "FROB"}};
  EXPECT_EQ(c.run(p.funcs()), 1);
  EXPECT_EQ(c.error_code(), 4);
  EXPECT_NE(c.error_msg().find("FROB"), std::string::npos);
}

TEST(Skel, VersionListsAllVersionsAndEchoesInput) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "VERSION"}};
  c.stdin_data = R"({"cniVersion":"0.4.0"})";
  ASSERT_EQ(c.run(p.funcs()), 0);
  auto j = c.json_out();
  EXPECT_EQ(j["cniVersion"], "0.4.0");
  EXPECT_EQ(j["supportedVersions"],
            json::parse(R"(["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"])"));
}

TEST(Skel, VersionWithoutInputAnswersLatest) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "VERSION"}};
  ASSERT_EQ(c.run(p.funcs()), 0);
  EXPECT_EQ(c.json_out()["cniVersion"], "1.1.0");
}

TEST(Skel, MissingEnvNamesEveryMissingVariable) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "ADD"}};
  c.stdin_data = kConf;
  EXPECT_EQ(c.run(p.funcs()), 1);
  EXPECT_EQ(c.error_code(), 4);
  EXPECT_EQ(c.error_msg(), "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
  EXPECT_EQ(p.adds, 0);
}

TEST(Skel, DelDoesNotNeedNetns) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}};
  c.stdin_data = kConf;
  EXPECT_EQ(c.run(p.funcs()), 0) << c.out;
  EXPECT_EQ(p.dels, 1);
  EXPECT_FALSE(p.del_had_netns);
  EXPECT_TRUE(c.out.empty());
}

TEST(Skel, MalformedJsonIsCode6) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"1.0.0","name":)");
  EXPECT_EQ(c.run(p.funcs()), 1);
  EXPECT_EQ(c.error_code(), 6);
  EXPECT_EQ(p.adds, 0);
}

// Found while writing tests/fuzz (reproduced with fuzz_skel): 100000 nested arrays overflowed the
// stack while the config was copied (SIGSEGV, no error JSON). Nesting is capped at Go's 10000.
TEST(Skel, DeeplyNestedConfigIsCode6NotACrash) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}};
  const std::size_t depth = 1000000;
  c.stdin_data = R"({"cniVersion":"1.0.0","name":"n","type":"t","x":)" + std::string(depth, '[') +
                 std::string(depth, ']') + "}";
  EXPECT_EQ(c.run(p.funcs()), 1);
  EXPECT_EQ(c.error_code(), 6);
  EXPECT_NE(c.out.find("exceeded max depth"), std::string::npos) << c.out;
  EXPECT_EQ(p.dels, 0);
}

TEST(Skel, NestingBelowTheCapAndBracketsInStringsAreAccepted) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c1"}, {"CNI_IFNAME", "eth0"}};
  c.stdin_data = R"({"cniVersion":"1.0.0","name":"n","type":"t","s":"\")" +
                 std::string(20000, '[') + R"(","x":)" + std::string(100, '[') +
                 std::string(100, ']') + "}";
  EXPECT_EQ(c.run(p.funcs()), 0) << c.out;
  EXPECT_EQ(p.dels, 1);
}

// Found by fuzz_skel: a number beyond double made nlohmann throw out_of_range (not parse_error),
// which reached the skel as internal error 999.
TEST(Skel, NumberOverflowInConfigIsCode6) {
  Recorder p;
  for (const char* config :
       {"1e400", R"({"cniVersion":"1.0.0","name":"n","type":"t","x":-1e400})"}) {
    auto c = add_call(config);
    EXPECT_EQ(c.run(p.funcs()), 1);
    EXPECT_EQ(c.error_code(), 6) << c.out;
  }
  EXPECT_EQ(p.adds, 0);
}

TEST(Skel, NonObjectConfigIsCode6) {
  Recorder p;
  auto c = add_call(R"(["not","an","object"])");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 6);
}

TEST(Skel, EmptyStdinIsCode6) {
  Recorder p;
  auto c = add_call("");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 6);
}

TEST(Skel, UnsupportedVersionIsCode1WithDetails) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"9.9.9","name":"n","type":"t"})");
  EXPECT_EQ(c.run(p.funcs()), 1);
  auto j = c.json_out();
  EXPECT_EQ(j["code"], 1);
  EXPECT_NE(j["details"].get<std::string>().find("\"9.9.9\""), std::string::npos);
  EXPECT_NE(j["details"].get<std::string>().find("1.1.0"), std::string::npos);
  EXPECT_EQ(j["msg"].get<std::string>().rfind("cniVersion: ", 0), 0u) << j["msg"];
}

TEST(Skel, NonStringVersionIsCode6) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":1.0,"name":"n","type":"t"})");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 6);
  EXPECT_NE(c.error_msg().find("cniVersion"), std::string::npos);
}

TEST(Skel, MissingVersionMeans010) {
  Recorder p;
  auto c = add_call(R"({"name":"n","type":"t"})");
  ASSERT_EQ(c.run(p.funcs()), 0) << c.out;
  auto j = c.json_out();
  EXPECT_EQ(j["cniVersion"], "0.1.0");
  EXPECT_EQ(j["ip4"]["ip"], "10.1.0.5/16");
  EXPECT_FALSE(j.contains("ips"));
}

TEST(Skel, CheckNeeds040) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"0.3.1","name":"n","type":"t"})");
  c.env["CNI_COMMAND"] = "CHECK";
  EXPECT_EQ(c.run(p.funcs()), 1);
  EXPECT_EQ(c.error_code(), 1);
  EXPECT_NE(c.error_msg().find("CHECK"), std::string::npos);
  EXPECT_EQ(p.checks, 0);
}

TEST(Skel, CheckWithoutVersionIsRefused) {
  Recorder p;
  auto c = add_call(R"({"name":"n","type":"t"})");
  c.env["CNI_COMMAND"] = "CHECK";
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 1);
}

TEST(Skel, StatusAndGcNeed110) {
  for (const char* cmd : {"STATUS", "GC"}) {
    Recorder p;
    SkelCall c;
    c.env = {{"CNI_COMMAND", cmd}};
    c.stdin_data = R"({"cniVersion":"1.0.0","name":"n","type":"t"})";
    EXPECT_EQ(c.run(p.funcs()), 1) << cmd;
    EXPECT_EQ(c.error_code(), 1) << cmd;
  }
}

TEST(Skel, StatusDispatches) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "STATUS"}};
  c.stdin_data = R"({"cniVersion":"1.1.0","name":"n","type":"t"})";
  EXPECT_EQ(c.run(p.funcs()), 0) << c.out;
  EXPECT_EQ(p.statuses, 1);
}

TEST(Skel, MissingStatusAndGcAreNoOps) {
  for (const char* cmd : {"STATUS", "GC"}) {
    SkelCall c;
    c.env = {{"CNI_COMMAND", cmd}};
    c.stdin_data = R"({"cniVersion":"1.1.0","name":"n","type":"t","cni.dev/valid-attachments":[]})";
    EXPECT_EQ(c.run(PluginFuncs{}), 0) << cmd << c.out;
  }
}

TEST(Skel, GcReadsEitherAttachmentKey) {
  for (const char* key : {"cni.dev/valid-attachments", "cni.dev/attachments"}) {
    Recorder p;
    SkelCall c;
    c.env = {{"CNI_COMMAND", "GC"}};
    json conf = {{"cniVersion", "1.1.0"}, {"name", "n"}, {"type", "t"}};
    conf[key] =
        json::parse(R"([{"containerID":"a","ifname":"eth0"},{"containerID":"b","ifname":"net1"}])");
    c.stdin_data = conf.dump();
    ASSERT_EQ(c.run(p.funcs()), 0) << c.out;
    ASSERT_EQ(p.attachments.size(), 2u);
    EXPECT_EQ(p.attachments[1], (Attachment{"b", "net1"}));
  }
}

TEST(Skel, GcWithoutAttachmentListIsRefused) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "GC"}};
  c.stdin_data = R"({"cniVersion":"1.1.0","name":"n","type":"t"})";
  EXPECT_EQ(c.run(p.funcs()), 1);
  EXPECT_EQ(c.error_code(), 7);
  EXPECT_EQ(p.gcs, 0);
}

TEST(Skel, GcWithMalformedAttachmentIsCode6) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "GC"}};
  c.stdin_data =
      R"({"cniVersion":"1.1.0","name":"n","type":"t","cni.dev/valid-attachments":[{"containerID":1}]})";
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 6);
  EXPECT_NE(c.error_msg().find("cni.dev/valid-attachments[0]"), std::string::npos);
}

TEST(Skel, MissingOrBadNameIsCode7) {
  for (const char* conf :
       {R"({"cniVersion":"1.0.0","type":"t"})", R"({"cniVersion":"1.0.0","name":"","type":"t"})",
        R"({"cniVersion":"1.0.0","name":"../etc","type":"t"})",
        R"({"cniVersion":"1.0.0","name":"a/b","type":"t"})"}) {
    Recorder p;
    auto c = add_call(conf);
    c.run(p.funcs());
    EXPECT_EQ(c.error_code(), 7) << conf;
    EXPECT_NE(c.error_msg().find("name"), std::string::npos) << conf;
  }
}

TEST(Skel, NameOfWrongTypeIsCode6) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"1.0.0","name":5,"type":"t"})");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 6);
}

TEST(Skel, MissingTypeIsCode7) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"1.0.0","name":"n"})");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 7);
  EXPECT_NE(c.error_msg().find("type"), std::string::npos);
}

TEST(Skel, BadContainerIdIsCode4) {
  for (const char* id : {"../x", "a b", "-lead", "a/b", "x\ny"}) {
    Recorder p;
    auto c = add_call(kConf);
    c.env["CNI_CONTAINERID"] = id;
    c.run(p.funcs());
    EXPECT_EQ(c.error_code(), 4) << id;
    EXPECT_NE(c.error_msg().find("CNI_CONTAINERID"), std::string::npos);
  }
}

TEST(Skel, InterfaceNameRules) {
  struct Case {
    std::string name;
    bool ok;
  };
  for (const auto& [name, ok] : std::vector<Case>{{"eth0", true},
                                                  {"abcdefghijklmno", true},    // 15 bytes
                                                  {"abcdefghijklmnop", false},  // 16 bytes
                                                  {".", false},
                                                  {"..", false},
                                                  {"a/b", false},
                                                  {"a:b", false},
                                                  {"a b", false}}) {
    Recorder p;
    auto c = add_call(kConf);
    c.env["CNI_IFNAME"] = name;
    int rc = c.run(p.funcs());
    if (ok) {
      EXPECT_EQ(rc, 0) << name << c.out;
    } else {
      EXPECT_EQ(c.error_code(), 4) << name;
      EXPECT_NE(c.error_msg().find("CNI_IFNAME"), std::string::npos) << name;
      EXPECT_EQ(p.adds, 0);
    }
  }
}

TEST(Skel, MissingNetnsPathIsCode4ForAdd) {
  Recorder p;
  auto c = add_call(kConf);
  c.env["CNI_NETNS"] = "/run/netns/does-not-exist-cnitest";
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 4);
  EXPECT_NE(c.error_msg().find("CNI_NETNS"), std::string::npos);
  EXPECT_EQ(p.adds, 0);
}

TEST(Skel, RegularFileAndDirectoryAreNotNamespaces) {
  char path[] = "/tmp/cnitest-notns-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  for (const std::string& target : {std::string(path), std::string("/tmp")}) {
    Recorder p;
    auto c = add_call(kConf);
    c.env["CNI_NETNS"] = target;
    c.run(p.funcs());
    EXPECT_EQ(c.error_code(), 8) << target;
    EXPECT_NE(c.error_msg().find("CNI_NETNS"), std::string::npos);
    EXPECT_EQ(p.adds, 0);
  }
  unlink(path);
}

TEST(Skel, OwnNamespaceIsRefusedForAddUnlessOverridden) {
  Recorder p;
  auto c = add_call(kConf);
  c.env.erase("CNI_NETNS_OVERRIDE");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 8);
  EXPECT_EQ(p.adds, 0);
  c.env["CNI_NETNS_OVERRIDE"] = "true";
  EXPECT_EQ(c.run(p.funcs()), 0);
  EXPECT_EQ(p.adds, 1);
}

TEST(Skel, DelAimedAtOwnNamespaceNeverEntersIt) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "DEL"},
           {"CNI_CONTAINERID", "c1"},
           {"CNI_IFNAME", "eth0"},
           {"CNI_NETNS", "/proc/self/ns/net"}};
  c.stdin_data = kConf;
  EXPECT_EQ(c.run(p.funcs()), 0) << c.out;
  EXPECT_EQ(p.dels, 1);
  EXPECT_FALSE(p.del_had_netns);
}

TEST(Skel, DelWithVanishedNetnsStillRuns) {
  Recorder p;
  SkelCall c;
  c.env = {{"CNI_COMMAND", "DEL"},
           {"CNI_CONTAINERID", "c1"},
           {"CNI_IFNAME", "eth0"},
           {"CNI_NETNS", "/run/netns/gone-cnitest"}};
  c.stdin_data = kConf;
  EXPECT_EQ(c.run(p.funcs()), 0) << c.out;
  EXPECT_EQ(p.dels, 1);
  EXPECT_FALSE(p.del_had_netns);
}

TEST(Skel, AddPrintsResultInConfigVersionShape) {
  struct Case {
    const char* version;
    bool has_ips_version;
  };
  for (auto [version, has_ips_version] :
       {Case{"0.3.0", true}, Case{"0.3.1", true}, Case{"0.4.0", true}, Case{"1.0.0", false},
        Case{"1.1.0", false}}) {
    Recorder p;
    auto c = add_call(json{{"cniVersion", version}, {"name", "n"}, {"type", "t"}}.dump());
    ASSERT_EQ(c.run(p.funcs()), 0) << version << c.out;
    auto j = c.json_out();
    EXPECT_EQ(j["cniVersion"], version);
    EXPECT_EQ(j["ips"][0].contains("version"), has_ips_version) << version;
    EXPECT_EQ(j["ips"][0]["address"], "10.1.0.5/16");
  }
  for (const char* version : {"0.1.0", "0.2.0"}) {
    Recorder p;
    auto c = add_call(json{{"cniVersion", version}, {"name", "n"}, {"type", "t"}}.dump());
    ASSERT_EQ(c.run(p.funcs()), 0) << version << c.out;
    auto j = c.json_out();
    EXPECT_EQ(j["ip4"]["ip"], "10.1.0.5/16");
    EXPECT_EQ(j["ip6"]["ip"], "fd00::5/64");
    EXPECT_EQ(j["ip4"]["routes"][0]["dst"], "0.0.0.0/0");
  }
}

TEST(Skel, PrevResultIsParsedAndPassed) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":
    {"cniVersion":"1.0.0","ips":[{"address":"10.9.0.2/24"}]}})");
  ASSERT_EQ(c.run(p.funcs()), 0) << c.out;
  ASSERT_TRUE(p.prev.has_value());
  ASSERT_EQ(p.prev->ips.size(), 1u);
  EXPECT_EQ(p.prev->ips[0].address.to_string(), "10.9.0.2/24");
}

TEST(Skel, PrevResultOf040ShapeUnder040Config) {
  Recorder p;
  auto c = add_call(R"({"cniVersion":"0.4.0","name":"n","type":"t","prevResult":
    {"ips":[{"version":"4","address":"10.9.0.2/24"}]}})");
  ASSERT_EQ(c.run(p.funcs()), 0) << c.out;
  ASSERT_TRUE(p.prev.has_value());
  EXPECT_EQ(p.prev->ips.size(), 1u);
}

TEST(Skel, BadPrevResultIsCode6NamingIt) {
  for (const char* prev : {R"("a string")", R"({"ips":[{"address":"10.9.0.500/24"}]})",
                           R"({"ips":"x"})", R"({"cniVersion":5})"}) {
    Recorder p;
    auto c = add_call(std::string(R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":)") +
                      prev + "}");
    c.run(p.funcs());
    EXPECT_EQ(c.error_code(), 6) << prev << c.out;
    EXPECT_NE(c.error_msg().find("prevResult"), std::string::npos) << prev;
    EXPECT_EQ(p.adds, 0);
  }
}

TEST(Skel, PrevResultWithUnknownVersionIsCode1) {
  Recorder p;
  auto c = add_call(
      R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":{"cniVersion":"7.0.0"}})");
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 1);
}

TEST(Skel, WrongTypesOfSharedKeysAreCode6) {
  for (const char* key : {"ipam", "dns", "runtimeConfig", "args"}) {
    Recorder p;
    json conf = {{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "t"}};
    conf[key] = "oops";
    auto c = add_call(conf.dump());
    c.run(p.funcs());
    EXPECT_EQ(c.error_code(), 6) << key;
    EXPECT_NE(c.error_msg().find(key), std::string::npos) << key;
  }
}

TEST(Skel, BadCniArgsIsCode4) {
  Recorder p;
  auto c = add_call(kConf);
  c.env["CNI_ARGS"] = "IP=10.0.0.2;garbage";
  c.run(p.funcs());
  EXPECT_EQ(c.error_code(), 4);
  EXPECT_NE(c.error_msg().find("CNI_ARGS"), std::string::npos);
}

TEST(Skel, PluginErrorIsPrintedWithConfigVersion) {
  PluginFuncs f;
  f.add = [](const Request&) -> Result {
    throw Error(Code::Exhausted, "range full", "10.0.0.0/30");
  };
  auto c = add_call(R"({"cniVersion":"0.4.0","name":"n","type":"t"})");
  EXPECT_EQ(c.run(f), 1);
  auto j = c.json_out();
  EXPECT_EQ(j,
            json::parse(
                R"({"cniVersion":"0.4.0","code":105,"msg":"range full","details":"10.0.0.0/30"})"));
}

TEST(Skel, ForeignExceptionsBecomeInternalErrors) {
  PluginFuncs f;
  f.add = [](const Request&) -> Result { throw std::runtime_error("boom"); };
  auto c = add_call(kConf);
  EXPECT_EQ(c.run(f), 1);
  EXPECT_EQ(c.error_code(), 999);
  EXPECT_EQ(c.error_msg(), "boom");
  f.add = [](const Request&) -> Result { throw 42; };
  auto c2 = add_call(kConf);
  EXPECT_EQ(c2.run(f), 1);
  EXPECT_EQ(c2.error_code(), 999);
}

TEST(Skel, ErrorWithoutDetailsOmitsTheKey) {
  PluginFuncs f;
  f.add = [](const Request&) -> Result { throw Error(Code::TryAgainLater, "busy"); };
  auto c = add_call(kConf);
  c.run(f);
  EXPECT_FALSE(c.json_out().contains("details"));
  EXPECT_EQ(c.error_code(), 11);
}

TEST(Skel, ResultThatCannotBeShapedIsAnError) {
  PluginFuncs f;
  f.add = [](const Request&) { return Result{}; };  // no IP: impossible in the 0.2.0 shape
  auto c = add_call(R"({"cniVersion":"0.2.0","name":"n","type":"t"})");
  EXPECT_EQ(c.run(f), 1);
  EXPECT_EQ(c.error_code(), 1);
}

TEST(Skel, CniPathIsSplit) {
  std::vector<std::string> seen;
  PluginFuncs f;
  f.add = [&](const Request& r) {
    seen = r.cni_path;
    return sample_result();
  };
  auto c = add_call(kConf);
  c.env["CNI_PATH"] = "/opt/cni/bin::/usr/lib/cni:";
  ASSERT_EQ(c.run(f), 0);
  EXPECT_EQ(seen, (std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"}));
}

}  // namespace
}  // namespace cni

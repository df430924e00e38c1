// Running a list like libcni, against fake plugins (shell scripts) that record their stdin,
// their CNI_* environment and the order they ran in.
#include "exec_list.hpp"

#include <gtest/gtest.h>

#include "cache.hpp"
#include "support/errors.hpp"
#include "tmp_dir.hpp"

namespace cni::tool {
namespace {

using cni::test::error_of;
using nlohmann::json;
using test::TmpDir;

constexpr const char* kResult1 =
    R"({"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],"ips":[{"address":"10.0.0.2/24","interface":0}]})";
constexpr const char* kResult2 = R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.3/24"}]})";

// A plugin's result as the runner passes it on: normalised with an empty `dns` object.
json with_empty_dns(const char* result) {
  json parsed = json::parse(result);
  parsed["dns"] = json::object();
  return parsed;
}

class ExecList : public ::testing::Test {
 protected:
  void SetUp() override {
    plugin("p1", kResult1);
    plugin("p2", kResult2);
    rt_.container_id = "c1";
    rt_.netns = "/run/netns/x";
    rt_.ifname = "eth0";
    rt_.args = {{"K", "V"}};
    rt_.capability_args = json::parse(R"({"mac":"0a:00:00:00:00:01","ips":["10.0.0.9"]})");
    rt_.cni_path = {dir_ / "nothing", dir_.path()};
    rt_.cache_dir = dir_ / "cache";
  }

  void plugin(const std::string& name, const std::string& result) {
    const std::string& d = dir_.path();
    dir_.write(name,
               "#!/bin/sh\n"
               "cat > " +
                   d + "/" + name +
                   ".$CNI_COMMAND.stdin\n"
                   "env | grep '^CNI_' | sort > " +
                   d + "/" + name +
                   ".$CNI_COMMAND.env\n"
                   "echo \"" +
                   name + " $CNI_COMMAND\" >> " + d +
                   "/log\n"
                   "if [ -f " +
                   d + "/" + name +
                   ".fail ]; then\n"
                   "  echo '{\"code\":11,\"msg\":\"busy\",\"details\":\"try later\"}'; exit 1\n"
                   "fi\n"
                   "[ \"$CNI_COMMAND\" = ADD ] && printf '%s' '" +
                   result +
                   "'\n"
                   "exit 0\n",
               0755);
  }

  ConfList list(const std::string& version, const std::string& extra = "") {
    return parse_conf_list(R"({"cniVersion":")" + version + R"(","name":"net",)" + extra +
                               R"("plugins":[{"type":"p1","capabilities":{"mac":true}},
                                             {"type":"p2","name":"second"}]})",
                           "test");
  }
  json stdin_of(const std::string& plugin, const std::string& command) {
    return json::parse(dir_.read(plugin + "." + command + ".stdin"));
  }
  std::string take_log() {
    std::string log = dir_.read("log");
    dir_.write("log", "");
    return log;
  }

  TmpDir dir_;
  Runtime rt_;
};

TEST_F(ExecList, AddRunsInOrderChainsResultsAndCaches) {
  json result = add_network_list(list("1.0.0"), rt_);
  EXPECT_EQ(result, with_empty_dns(kResult2));
  EXPECT_EQ(take_log(), "p1 ADD\np2 ADD\n");

  json first = stdin_of("p1", "ADD");
  EXPECT_EQ(first, json::parse(R"({"type":"p1","name":"net","cniVersion":"1.0.0",
                                   "runtimeConfig":{"mac":"0a:00:00:00:00:01"}})"));
  json second = stdin_of("p2", "ADD");
  EXPECT_EQ(second["name"], "net");
  EXPECT_EQ(second["prevResult"], with_empty_dns(kResult1));
  EXPECT_FALSE(second.contains("runtimeConfig"));
  EXPECT_EQ(dir_.read("p1.ADD.env"),
            "CNI_ARGS=K=V\nCNI_COMMAND=ADD\nCNI_CONTAINERID=c1\nCNI_IFNAME=eth0\nCNI_NETNS=/run/"
            "netns/x\nCNI_PATH=" +
                dir_ / "nothing" + ":" + dir_.path() + "\n");

  auto text = read_cache_file(rt_.cache_dir, "net", "c1", "eth0");
  ASSERT_TRUE(text);
  auto info = parse_cache(*text);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->config, list("1.0.0").bytes);
  EXPECT_EQ(info->netns, "/run/netns/x");
  EXPECT_EQ(info->cni_args, rt_.args);
  EXPECT_EQ(info->capability_args, rt_.capability_args);
  EXPECT_EQ(info->result, result);
}

TEST_F(ExecList, PrevResultIsConvertedToTheListVersion) {
  add_network_list(list("0.4.0"), rt_);
  json prev = stdin_of("p2", "ADD")["prevResult"];
  EXPECT_EQ(prev["cniVersion"], "0.4.0");
  EXPECT_EQ(prev["ips"][0]["version"], "4");
}

TEST_F(ExecList, AddStopsAtTheFirstFailureWithThePluginsError) {
  dir_.write("p2.fail", "");
  auto e = error_of([&] { add_network_list(list("1.0.0"), rt_); });
  EXPECT_EQ(e.code(), Code::TryAgainLater);
  EXPECT_EQ(e.msg(), R"(plugin type="p2" name="second" failed (add): busy)");
  EXPECT_EQ(e.details(), "try later");
  EXPECT_FALSE(read_cache_file(rt_.cache_dir, "net", "c1", "eth0"));
  rt_.cni_path = {dir_ / "nothing"};
  EXPECT_EQ(error_of([&] { add_network_list(list("1.0.0"), rt_); }).code(), Code::InvalidConfig);
}

TEST_F(ExecList, DelRunsInReverseWithTheCachedResultAndDropsTheCache) {
  json result = add_network_list(list("1.0.0"), rt_);
  take_log();
  Runtime later = rt_;  // a new process: only the cache remembers the result
  del_network_list(list("1.0.0"), later);
  EXPECT_EQ(take_log(), "p2 DEL\np1 DEL\n");
  EXPECT_EQ(stdin_of("p1", "DEL")["prevResult"], result);
  EXPECT_EQ(stdin_of("p2", "DEL")["prevResult"], result);
  EXPECT_EQ(stdin_of("p1", "DEL")["runtimeConfig"]["mac"], "0a:00:00:00:00:01");
  EXPECT_FALSE(read_cache_file(rt_.cache_dir, "net", "c1", "eth0"));
  del_network_list(list("1.0.0"), later);  // again: no prevResult now
  EXPECT_FALSE(stdin_of("p1", "DEL").contains("prevResult"));
}

TEST_F(ExecList, DelBelow040SendsNoPrevResultAndAnUnusableCacheIsDropped) {
  add_network_list(list("0.3.1"), rt_);
  del_network_list(list("0.3.1"), rt_);
  EXPECT_FALSE(stdin_of("p2", "DEL").contains("prevResult"));
  EXPECT_FALSE(read_cache_file(rt_.cache_dir, "net", "c1", "eth0"));

  dir_.write("cache/results/net-c1-eth0", "garbage");
  del_network_list(list("1.0.0"), rt_);
  EXPECT_FALSE(stdin_of("p2", "DEL").contains("prevResult"));
  EXPECT_FALSE(read_cache_file(rt_.cache_dir, "net", "c1", "eth0"));
}

TEST_F(ExecList, DelFailureKeepsTheCache) {
  add_network_list(list("1.0.0"), rt_);
  dir_.write("p1.fail", "");
  auto e = error_of([&] { del_network_list(list("1.0.0"), rt_); });
  EXPECT_EQ(e.msg(), R"(plugin type="p1" failed (delete): busy)");
  EXPECT_TRUE(read_cache_file(rt_.cache_dir, "net", "c1", "eth0"));
}

TEST_F(ExecList, CheckNeedsTheCacheAnd040) {
  EXPECT_NE(
      error_of([&] { check_network_list(list("1.0.0"), rt_); }).msg().find("no cached result"),
      std::string::npos);
  json result = add_network_list(list("1.0.0"), rt_);
  take_log();
  check_network_list(list("1.0.0"), rt_);
  EXPECT_EQ(take_log(), "p1 CHECK\np2 CHECK\n");
  EXPECT_EQ(stdin_of("p2", "CHECK")["prevResult"], result);
  check_network_list(list("1.0.0", R"("disableCheck":true,)"), rt_);
  EXPECT_EQ(take_log(), "");
  EXPECT_EQ(error_of([&] { check_network_list(list("0.3.1"), rt_); }).code(),
            Code::IncompatibleVersion);
}

TEST_F(ExecList, GcSendsTheValidAttachmentsAndDeletesStaleCachedOnes) {
  add_network_list(list("1.1.0"), rt_);
  Runtime other = rt_;
  other.container_id = "c2";
  other.netns = "/run/netns/y";
  other.args = {{"X", "Y"}};
  add_network_list(list("1.1.0"), other);
  take_log();

  auto valid = cached_attachments_of(rt_.cache_dir, "net");
  ASSERT_TRUE(valid);
  EXPECT_EQ(valid->size(), 2u);
  gc_network_list(list("1.1.0"), rt_, valid);
  EXPECT_EQ(take_log(), "p1 GC\np2 GC\n");
  json gc = stdin_of("p1", "GC");
  json expected =
      json::parse(R"([{"containerID":"c1","ifname":"eth0"},{"containerID":"c2","ifname":"eth0"}])");
  EXPECT_EQ(gc["cni.dev/valid-attachments"], expected);
  EXPECT_EQ(gc["cni.dev/attachments"], expected);
  EXPECT_FALSE(gc.contains("capabilities"));
  EXPECT_NE(dir_.read("p1.GC.env").find("CNI_CONTAINERID=\n"), std::string::npos);

  // Only c1 valid: c2 is DELeted with what its cache entry remembers, then GC.
  gc_network_list(list("1.1.0"), rt_, std::vector<Attachment>{{"c1", "eth0"}});
  EXPECT_EQ(take_log(), "p2 DEL\np1 DEL\np1 GC\np2 GC\n");
  EXPECT_NE(dir_.read("p1.DEL.env").find("CNI_CONTAINERID=c2\n"), std::string::npos);
  EXPECT_NE(dir_.read("p1.DEL.env").find("CNI_NETNS=/run/netns/y\n"), std::string::npos);
  EXPECT_NE(dir_.read("p1.DEL.env").find("CNI_ARGS=X=Y\n"), std::string::npos);
  EXPECT_EQ(stdin_of("p1", "GC")["cni.dev/valid-attachments"].size(), 1u);
  EXPECT_FALSE(read_cache_file(rt_.cache_dir, "net", "c2", "eth0"));

  gc_network_list(list("1.1.0", R"("disableGC":true,)"), rt_, std::nullopt);
  gc_network_list(list("1.0.0"), rt_, valid);  // before 1.1.0: no GC command
  EXPECT_EQ(take_log(), "");
  dir_.write("p1.fail", "");
  auto e = error_of([&] { gc_network_list(list("1.1.0"), rt_, valid); });
  EXPECT_EQ(e.msg(), "failed to GC plugin p1: busy");
  EXPECT_EQ(take_log(), "p1 GC\np2 GC\n");  // p2 still ran
}

TEST_F(ExecList, StatusFromVersion110) {
  status_network_list(list("1.0.0"), rt_);
  EXPECT_EQ(take_log(), "");
  status_network_list(list("1.1.0"), rt_);
  EXPECT_EQ(take_log(), "p1 STATUS\np2 STATUS\n");
  EXPECT_EQ(stdin_of("p2", "STATUS"),
            json::parse(R"({"type":"p2","name":"net","cniVersion":"1.1.0"})"));
  dir_.write("p1.fail", "");
  auto e = error_of([&] { status_network_list(list("1.1.0"), rt_); });
  EXPECT_EQ(e.code(), Code::TryAgainLater);
  EXPECT_EQ(e.msg(), "busy");
}

}  // namespace
}  // namespace cni::tool

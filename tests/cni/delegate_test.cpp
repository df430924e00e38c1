// Delegation to another plugin binary (IPAM), with small fake plugins written as scripts.
#include "cni/delegate.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cni/error.hpp"

namespace cni {
namespace {

namespace fs = std::filesystem;

class Delegate : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cnitest-delegate-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void plugin(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
  }
  Request request(std::string config = R"({"cniVersion":"1.0.0","name":"n","type":"bridge"})") {
    Request r;
    r.command = Command::Add;
    r.container_id = "c1";
    r.ifname = "eth0";
    r.netns_path = "/run/netns/x";
    r.args = CniArgs::parse("IgnoreUnknown=1;IP=10.0.0.9");
    r.cni_path = {"/nonexistent-cni-dir", dir_};
    r.stdin_data = std::move(config);
    r.conf.version = Version::V1_0_0;
    return r;
  }
  std::string read(const std::string& name) {
    std::ifstream f(dir_ + "/" + name);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  int code_of(auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      last_msg_ = e.msg();
      return static_cast<int>(e.code());
    }
    return 0;
  }

  std::string dir_;
  std::string last_msg_;
};

TEST_F(Delegate, FindPluginRules) {
  plugin("fake", "exit 0");
  EXPECT_EQ(find_plugin("fake", {"/nonexistent-cni-dir", dir_}, "ipam.type"), dir_ + "/fake");
  EXPECT_EQ(code_of([&] { find_plugin("fake", {}, "ipam.type"); }), 4);
  EXPECT_EQ(code_of([&] { find_plugin("../fake", {dir_}, "ipam.type"); }), 7);
  EXPECT_EQ(code_of([&] { find_plugin("", {dir_}, "ipam.type"); }), 7);
  EXPECT_EQ(code_of([&] { find_plugin("nope", {dir_}, "ipam.type"); }), 7);
  EXPECT_NE(last_msg_.find("ipam.type"), std::string::npos);
  EXPECT_NE(last_msg_.find("\"nope\""), std::string::npos);
}

TEST_F(Delegate, AddPassesEnvAndFullConfigAndParsesTheResult) {
  plugin("fake",
         "cat > \"$(dirname \"$0\")/stdin\"; env > \"$(dirname \"$0\")/env\"\n"
         "echo "
         "'{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.9/"
         "24\",\"gateway\":\"10.0.0.1\"}]}'");
  auto req = request();
  Result r = delegate_add(req, "fake");
  ASSERT_EQ(r.ips.size(), 1u);
  EXPECT_EQ(r.ips[0].address.to_string(), "10.0.0.9/24");
  EXPECT_EQ(read("stdin"), req.stdin_data);
  std::string env = read("env");
  for (const char* kv : {"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_IFNAME=eth0",
                         "CNI_NETNS=/run/netns/x", "CNI_ARGS=IgnoreUnknown=1;IP=10.0.0.9"}) {
    EXPECT_NE(env.find(kv), std::string::npos) << kv << "\n" << env;
  }
  EXPECT_NE(env.find("CNI_PATH=/nonexistent-cni-dir:" + dir_), std::string::npos);
}

TEST_F(Delegate, OtherCommandsSetCniCommand) {
  plugin("fake", "env > \"$(dirname \"$0\")/env\"; cat >/dev/null");
  delegate_call(request(), "fake", Command::Del);
  EXPECT_NE(read("env").find("CNI_COMMAND=DEL"), std::string::npos);
}

TEST_F(Delegate, DelegateErrorKeepsItsCode) {
  plugin("fake",
         "cat >/dev/null; echo '{\"code\":105,\"msg\":\"range "
         "full\",\"details\":\"10.0.0.0/30\"}'; exit 1");
  try {
    delegate_add(request(), "fake");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.code()), 105);
    EXPECT_EQ(e.msg(), "fake: range full");
    EXPECT_EQ(e.details(), "10.0.0.0/30");
  }
}

TEST_F(Delegate, GarbageIsAnIpamError) {
  plugin("crash", "echo 'panic: runtime error' ; exit 2");
  EXPECT_EQ(code_of([&] { delegate_add(request(), "crash"); }), 102);
  EXPECT_NE(last_msg_.find("exit code 2"), std::string::npos);
  plugin("liar", "echo 'not json'");
  EXPECT_EQ(code_of([&] { delegate_add(request(), "liar"); }), 102);
  plugin("badresult", R"(echo '{"cniVersion":"1.0.0","ips":[{"address":"999.0.0.1/24"}]}')");
  EXPECT_EQ(code_of([&] { delegate_add(request(), "badresult"); }), 102);
  plugin("killed", "kill -9 $$");
  EXPECT_EQ(code_of([&] { delegate_call(request(), "killed", Command::Del); }), 102);
}

TEST_F(Delegate, LargeConfigDoesNotDeadlockEitherWay) {
  std::string big = R"({"cniVersion":"1.0.0","name":"n","type":"b","pad":")" +
                    std::string(std::size_t{512} * 1024, 'x') + "\"}";
  // Reads everything, echoes it back (both pipes full at once without a poll loop).
  plugin("echoer", "cat");
  EXPECT_EQ(code_of([&] { delegate_call(request(big), "echoer", Command::Check); }), 0);
  // Never reads stdin: writing must not kill us with SIGPIPE.
  plugin("deaf", "exit 0");
  EXPECT_EQ(code_of([&] { delegate_call(request(big), "deaf", Command::Del); }), 0);
}

}  // namespace
}  // namespace cni

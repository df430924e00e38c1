// In-process delegation: a plugin offered by this executable and found in CNI_PATH as this same
// file runs on a thread, with the environment, stdin and result an exec would give it.
#include "cni/in_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cni/delegate.hpp"
#include "cni/error.hpp"

namespace cni {
namespace {

namespace fs = std::filesystem;

// What the fake IPAM saw, written by its thread and read after the call.
struct Seen {
  pid_t pid = 0;
  std::thread::id thread;
  std::string container, command, undo_info, caller, stdin_name;
};
Seen g_seen;

PluginFuncs fake_ipam() {
  PluginFuncs f;
  f.opens_netns = false;
  f.add = [](const Request& req) {
    g_seen.pid = ::getpid();
    g_seen.thread = std::this_thread::get_id();
    g_seen.container = req.container_id;
    g_seen.command = req.env("CNI_COMMAND").value_or("-");
    g_seen.undo_info = req.env(kUndoInfoEnv).value_or("-");
    g_seen.caller = req.env(kCallerPidEnv).value_or("-");
    g_seen.stdin_name = req.conf.name;
    if (req.container_id == "fails") throw Error(Code::Exhausted, "no addresses left");
    Result r;
    r.dns.nameservers = {"10.0.0.53"};
    r.undo_note = "the note";
    return r;
  };
  f.del = [](const Request& req) {
    g_seen.command = req.env("CNI_COMMAND").value_or("-");
    g_seen.undo_info = req.env(kUndoAddEnv).value_or("-");
  };
  return f;
}

class InProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cnitest-inproc-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // This test program, under the fake plugin's name, as our plugins' links are.
    fs::create_symlink(fs::read_symlink("/proc/self/exe"), dir_ + "/fakeipam");
    std::ofstream(dir_ + "/other") << "#!/bin/sh\nexit 1\n";
    fs::permissions(dir_ + "/other", fs::perms::owner_all);
    offer_in_process("fakeipam", fake_ipam());
    offer_in_process("other", fake_ipam());
    g_seen = {};
  }
  void TearDown() override {
    fs::remove_all(dir_);
    ::unsetenv(kForceExecEnv);
  }
  Request request(const std::string& container = "c1") {
    Request r;
    r.command = Command::Add;
    r.container_id = container;
    r.ifname = "eth0";
    r.netns_path = "/run/netns/x";
    r.cni_path = {dir_};
    r.stdin_data =
        R"({"cniVersion":"1.1.0","name":"thenet","type":"bridge","ipam":{"type":"fakeipam"}})";
    r.conf.version = Version::V1_1_0;
    return r;
  }

  std::string dir_;
};

TEST_F(InProcess, OnlyTheSameFileOfAnOfferedPluginAndNotWhenExecIsForced) {
  EXPECT_NE(in_process_plugin("fakeipam", dir_ + "/fakeipam"), nullptr);
  EXPECT_EQ(in_process_plugin("other", dir_ + "/other"), nullptr);  // another file
  EXPECT_EQ(in_process_plugin("unoffered", dir_ + "/fakeipam"), nullptr);
  ::setenv(kForceExecEnv, "1", 1);
  EXPECT_EQ(in_process_plugin("fakeipam", dir_ + "/fakeipam"), nullptr);
}

TEST_F(InProcess, AddRunsOnAThreadWithTheDelegatesEnvironmentAndResult) {
  DelegateCall call(request(), "fakeipam", Command::Add);
  Result r = call.add_result();
  EXPECT_EQ(r.dns.nameservers, std::vector<std::string>{"10.0.0.53"});
  EXPECT_EQ(call.undo_note(), "the note");
  EXPECT_EQ(g_seen.pid, ::getpid());
  EXPECT_NE(g_seen.thread, std::this_thread::get_id());
  EXPECT_EQ(g_seen.container, "c1");
  EXPECT_EQ(g_seen.command, "ADD");
  EXPECT_EQ(g_seen.undo_info, "1");
  EXPECT_EQ(g_seen.caller, std::to_string(::getpid()));  // host-local: the caller is alive
  EXPECT_EQ(g_seen.stdin_name, "thenet");
}

TEST_F(InProcess, ErrorsKeepTheirCodeAndNameTheDelegate) {
  try {
    DelegateCall(request("fails"), "fakeipam", Command::Add).add_result();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Exhausted);
    EXPECT_EQ(e.msg(), "fakeipam: no addresses left");
  }
}

TEST_F(InProcess, UndoingDelGetsTheNote) {
  delegate_undo_add(request(), "fakeipam", "the note");
  EXPECT_EQ(g_seen.command, "DEL");
  EXPECT_EQ(g_seen.undo_info, "the note");
}

TEST_F(InProcess, AnUncollectedCallIsJoined) {
  { DelegateCall call(request(), "fakeipam", Command::Add); }
  EXPECT_EQ(g_seen.container, "c1");  // it ran to its end before the destructor returned
}

TEST_F(InProcess, SettleKeepsTheNoteOfASuccessfulAdd) {
  DelegateCall call(request(), "fakeipam", Command::Add);
  call.settle();
  EXPECT_EQ(call.undo_note(), "the note");
}

}  // namespace
}  // namespace cni

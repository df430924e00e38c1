#include "log/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace cni {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(Log, DefaultGoesToStderrNeverStdout) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  log::init("logtest", {});
  spdlog::warn("visible warning {}", 1);
  spdlog::info("hidden info");
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_NE(err.find("visible warning 1"), std::string::npos) << err;
  EXPECT_EQ(err.find("hidden info"), std::string::npos) << "default level is warn";
  EXPECT_NE(err.find("logtest"), std::string::npos) << "lines name the plugin";
}

TEST(Log, FileAndLevelFromSettings) {
  std::string path = "/tmp/cnitest-log-" + std::to_string(getpid()) + ".log";
  testing::internal::CaptureStdout();
  log::init("logtest", {.file = path, .level = "debug"});
  spdlog::debug("debug line");
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(out.empty());
  EXPECT_NE(read_file(path).find("debug line"), std::string::npos);
  unlink(path.c_str());
}

TEST(Log, UnopenableFileKeepsLoggingToStderr) {
  testing::internal::CaptureStderr();
  log::init("logtest", {.file = "/nonexistent-dir/x/y.log", .level = std::nullopt});
  spdlog::error("still here");
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("still here"), std::string::npos);
  EXPECT_NE(err.find("cannot open log file"), std::string::npos);
}

TEST(Log, UnknownLevelIsIgnored) {
  testing::internal::CaptureStderr();
  log::init("logtest", {.file = std::nullopt, .level = "loud"});
  spdlog::warn("warn still shown");
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("unknown log level"), std::string::npos);
  EXPECT_NE(err.find("warn still shown"), std::string::npos);
}

TEST(Log, AThreadCanLogUnderAnotherPluginsName) {
  std::string path = "/tmp/cnitest-log-thread-" + std::to_string(getpid()) + ".log";
  log::init("bridge", {.file = path, .level = "info"});
  std::thread([&] {
    log::ThreadPluginName name("host-local");
    // The delegate applies the same config again: the file stays open, nothing is lost.
    log::apply({.file = path, .level = "info"});
    spdlog::info("from the delegate");
  }).join();
  spdlog::info("from the plugin");
  const std::string text = read_file(path);
  const std::string pid = "[" + std::to_string(getpid()) + "]";
  EXPECT_NE(text.find(" host-local" + pid + " info: from the delegate"), std::string::npos) << text;
  EXPECT_NE(text.find(" bridge" + pid + " info: from the plugin"), std::string::npos) << text;
  unlink(path.c_str());
}

}  // namespace
}  // namespace cni

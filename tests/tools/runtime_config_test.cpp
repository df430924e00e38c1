// What each plugin reads on stdin: the plugin object plus the injected keys.
#include "runtime_config.hpp"

#include <gtest/gtest.h>

namespace cni::tool {
namespace {

using nlohmann::json;

TEST(RuntimeConfig, OnlyDeclaredTrueCapabilities) {
  json plugin = json::parse(
      R"({"type":"veth","capabilities":{"mac":true,"ips":false,"portMappings":true,"bad":"yes"}})");
  json caps = json::parse(
      R"({"mac":"0a:58:0a:4d:00:63","ips":["10.0.0.5/24"],"bandwidth":{"ingressRate":1},"bad":1})");
  EXPECT_EQ(runtime_config(plugin, caps), json::parse(R"({"mac":"0a:58:0a:4d:00:63"})"));
  EXPECT_EQ(runtime_config(plugin, nullptr), json::object());
  EXPECT_EQ(runtime_config(json::parse(R"({"type":"x"})"), caps), json::object());
}

TEST(RuntimeConfig, PluginConfigInjectsAndDropsCapabilities) {
  json plugin = json::parse(
      R"({"type":"veth","name":"own","cniVersion":"0.1.0","capabilities":{"mac":true},"mtu":1400})");
  json prev = json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]})");
  json conf =
      plugin_config(plugin, "net", "1.0.0", prev, json::parse(R"({"mac":"0a:00:00:00:00:01"})"));
  EXPECT_EQ(conf, json::parse(R"({"type":"veth","name":"net","cniVersion":"1.0.0","mtu":1400,
      "prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]},
      "runtimeConfig":{"mac":"0a:00:00:00:00:01"}})"));
}

TEST(RuntimeConfig, NoMatchKeepsTheFilesRuntimeConfigAndNoPrevResult) {
  json plugin = json::parse(R"({"type":"t","runtimeConfig":{"x":1},"capabilities":{"mac":true}})");
  json conf = plugin_config(plugin, "net", "0.4.0", nullptr, json::parse(R"({"ips":[]})"));
  EXPECT_EQ(conf, json::parse(R"({"type":"t","name":"net","cniVersion":"0.4.0",
                                  "runtimeConfig":{"x":1}})"));
}

TEST(RuntimeConfig, PlainConfigForGcAndStatus) {
  json plugin = json::parse(R"({"type":"t","capabilities":{"mac":true}})");
  json extra = {{"cni.dev/valid-attachments", json::array()}};
  EXPECT_EQ(plugin_config_plain(plugin, "net", "1.1.0", extra),
            json::parse(R"({"type":"t","name":"net","cniVersion":"1.1.0",
                            "cni.dev/valid-attachments":[]})"));
}

}  // namespace
}  // namespace cni::tool

// cnitool's command line and environment, and its container ID derivation.
#include "options.hpp"

#include <gtest/gtest.h>

#include <map>

#include "container_id.hpp"
#include "support/errors.hpp"

namespace cni::tool {
namespace {

using cni::test::code_of;

struct Env {
  std::map<std::string, std::string> vars;
  Getenv fn() const {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
};

TEST(ContainerId, DerivedFromTheNetnsPathLikeUpstream) {
  // cnitool.go: fmt.Sprintf("cnitool-%x", sha512.Sum512([]byte(netns))[:10])
  EXPECT_EQ(container_id_for("/run/netns/x"), "cnitool-55e2cecc95014b0f7fc4");
  EXPECT_EQ(container_id_for("/var/run/netns/blue"), "cnitool-296747069b8a02dc4e2a");
}

TEST(ContainerId, AbsolutePathLikeGo) {
  EXPECT_EQ(absolute_path("/run/netns/x", "/tmp"), "/run/netns/x");
  EXPECT_EQ(absolute_path("x", "/run/netns"), "/run/netns/x");
  EXPECT_EQ(absolute_path("./a/../b//c/", "/d"), "/d/b/c");
  EXPECT_EQ(absolute_path("../../..", "/a"), "/");
}

TEST(Options, DefaultsAndDerivedContainerId) {
  Env env;
  auto o = parse_options({"add", "net", "/run/netns/x"}, env.fn(), "/");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->command, ToolCommand::Add);
  EXPECT_EQ(o->network, "net");
  EXPECT_EQ(o->netconf_dir, "/etc/cni/net.d");
  EXPECT_FALSE(o->verbose);
  EXPECT_EQ(o->runtime.netns, "/run/netns/x");
  EXPECT_EQ(o->runtime.ifname, "eth0");
  EXPECT_EQ(o->runtime.container_id, "cnitool-55e2cecc95014b0f7fc4");
  EXPECT_EQ(o->runtime.cache_dir, "/var/lib/cni");
  EXPECT_TRUE(o->runtime.cni_path.empty());
  EXPECT_TRUE(o->runtime.args.empty());
  EXPECT_TRUE(o->runtime.capability_args.is_null());
}

TEST(Options, Environment) {
  Env env{{{"NETCONFPATH", "/conf"},
           {"CNI_PATH", "/a::/b"},
           {"CNI_IFNAME", "net1"},
           {"CNI_ARGS", "IgnoreUnknown=1;K=V"},
           {"CAP_ARGS", R"({"mac":"0a:00:00:00:00:01"})"},
           {"CNI_CONTAINERID", "ctr"},
           {"CNI_CACHE_DIR", "/tmp/c"}}};
  auto o = parse_options({"-v", "del", "net", "x"}, env.fn(), "/run/netns");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->verbose);
  EXPECT_EQ(o->netconf_dir, "/conf");
  EXPECT_EQ(o->runtime.cni_path, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(o->runtime.ifname, "net1");
  EXPECT_EQ(o->runtime.args.size(), 2u);
  EXPECT_EQ(o->runtime.capability_args["mac"], "0a:00:00:00:00:01");
  EXPECT_EQ(o->runtime.container_id, "ctr");
  EXPECT_EQ(o->runtime.netns, "/run/netns/x");
  EXPECT_EQ(o->runtime.cache_dir, "/tmp/c");

  env.vars = {{"CNI_IFNAME", ""}};  // set but empty: kept, as upstream's LookupEnv
  EXPECT_EQ(parse_options({"add", "n", "/x"}, env.fn(), "/")->runtime.ifname, "");
}

TEST(Options, BadEnvironment) {
  Env env{{{"CNI_ARGS", "K="}}};
  EXPECT_EQ(code_of([&] { parse_options({"add", "n", "/x"}, env.fn(), "/"); }), 4);
  env.vars = {{"CNI_ARGS", "=V"}};
  EXPECT_EQ(code_of([&] { parse_options({"add", "n", "/x"}, env.fn(), "/"); }), 4);
  env.vars = {{"CAP_ARGS", "[1]"}};
  EXPECT_EQ(code_of([&] { parse_options({"add", "n", "/x"}, env.fn(), "/"); }), 6);
  env.vars = {{"CAP_ARGS", "{"}};
  EXPECT_EQ(code_of([&] { parse_options({"add", "n", "/x"}, env.fn(), "/"); }), 6);
}

TEST(Options, Usage) {
  Env env;
  EXPECT_FALSE(parse_options({}, env.fn(), "/"));
  EXPECT_FALSE(parse_options({"add", "net"}, env.fn(), "/"));
  EXPECT_FALSE(parse_options({"up", "net", "/x"}, env.fn(), "/"));
  EXPECT_FALSE(parse_options({"del", "net", "/x", "extra"}, env.fn(), "/"));
  // gc and status do not need a netns.
  EXPECT_EQ(parse_options({"gc", "net"}, env.fn(), "/")->command, ToolCommand::Gc);
  EXPECT_EQ(parse_options({"status", "net", "/x"}, env.fn(), "/")->command, ToolCommand::Status);
}

}  // namespace
}  // namespace cni::tool

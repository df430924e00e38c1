// Which network configuration cnitool runs: libcni's LoadNetworkConf rules.
#include "conf_files.hpp"

#include <gtest/gtest.h>

#include "cni/error.hpp"
#include "support/errors.hpp"
#include "tmp_dir.hpp"

namespace cni::tool {
namespace {

using cni::test::code_of;
using cni::test::error_of;
using nlohmann::json;
using test::TmpDir;

std::string conflist(const std::string& name, const std::string& type) {
  return R"({"cniVersion":"1.0.0","name":")" + name + R"(","plugins":[{"type":")" + type + "\"}]}";
}

TEST(ConfFiles, ConflistWinsOverConfAndFirstInLexicalOrder) {
  TmpDir d;
  d.write("00-a.conf", R"({"cniVersion":"1.0.0","name":"net","type":"single"})");
  d.write("20-b.conflist", conflist("net", "second"));
  d.write("10-c.conflist", conflist("net", "first"));
  d.write("05-d.conflist", conflist("other", "x"));
  auto list = load_conf_list(d.path(), "net");
  ASSERT_EQ(list.plugins.size(), 1u);
  EXPECT_EQ(list.plugins[0]["type"], "first");
  EXPECT_EQ(list.bytes, conflist("net", "first"));
  EXPECT_EQ(list.name, "net");
  EXPECT_EQ(list.cni_version, "1.0.0");
}

TEST(ConfFiles, SingleConfBecomesAOnePluginList) {
  TmpDir d;
  d.write("10-other.conflist", conflist("other", "x"));
  d.write("20-x.json", R"({"cniVersion":"0.4.0","name":"x","type":"bridge"})");
  d.write("30-lo.conf", R"({"cniVersion":"0.3.1","name":"lo","type":"loopback","k":[1]})");
  d.write("40-ignored.txt", "not json");
  auto list = load_conf_list(d.path(), "lo");
  EXPECT_EQ(list.name, "lo");
  EXPECT_EQ(list.cni_version, "0.3.1");
  ASSERT_EQ(list.plugins.size(), 1u);
  EXPECT_EQ(list.plugins[0],
            json::parse(R"({"cniVersion":"0.3.1","name":"lo","type":"loopback","k":[1]})"));
  // The cached bytes are the synthesised list, as libcni's ConfListFromConf marshals it.
  EXPECT_EQ(json::parse(list.bytes),
            json::parse(R"({"cniVersion":"0.3.1","name":"lo","plugins":[{"cniVersion":"0.3.1",
                          "name":"lo","type":"loopback","k":[1]}]})"));
  EXPECT_EQ(load_conf_list(d.path(), "x").plugins[0]["type"], "bridge");
}

TEST(ConfFiles, PluginsFromTheNetworkDirectoryAreAppended) {
  TmpDir d;
  d.write("10-net.conflist", conflist("net", "first"));
  d.write("net/b.conf", R"({"type":"third"})");
  d.write("net/a.conf", R"({"type":"second"})");
  d.write("net/c.json", R"({"type":"not-a-conf"})");
  auto list = load_conf_list(d.path(), "net");
  ASSERT_EQ(list.plugins.size(), 3u);
  EXPECT_EQ(list.plugins[1]["type"], "second");
  EXPECT_EQ(list.plugins[2]["type"], "third");

  d.write("10-net.conflist", R"({"cniVersion":"1.1.0","name":"net","loadOnlyInlinedPlugins":true,
                                 "plugins":[{"type":"first"}]})");
  EXPECT_EQ(load_conf_list(d.path(), "net").plugins.size(), 1u);
  // Without "plugins" the directory provides them all.
  d.write("10-net.conflist", R"({"cniVersion":"1.1.0","name":"net"})");
  EXPECT_EQ(load_conf_list(d.path(), "net").plugins.size(), 2u);
}

TEST(ConfFiles, Errors) {
  TmpDir d;
  EXPECT_NE(error_of([&] { load_conf_list(d / "missing", "net"); })
                .msg()
                .find("no net configurations found"),
            std::string::npos);
  d.write("10-net.conflist", conflist("net", "x"));
  auto e = error_of([&] { load_conf_list(d.path(), "other"); });
  EXPECT_EQ(e.code(), Code::InvalidConfig);
  EXPECT_NE(e.msg().find("no net configuration with name \"other\""), std::string::npos);
  // A file that does not parse stops the search, as in libcni.
  d.write("05-bad.conflist", "{");
  EXPECT_EQ(code_of([&] { load_conf_list(d.path(), "net"); }), 6);
  d.write("05-bad.conflist", R"({"name":"bad","plugins":[]})");
  EXPECT_EQ(code_of([&] { load_conf_list(d.path(), "net"); }), 7);
  d.write("05-bad.conflist", R"({"name":"bad","plugins":[{"kind":"no type"}]})");
  EXPECT_NE(error_of([&] { load_conf_list(d.path(), "net"); }).msg().find("missing 'type'"),
            std::string::npos);
  d.write("05-bad.conflist", conflist("bad", "x"));
  d.write("10-net.conflist", R"({"name":"net","loadOnlyInlinedPlugins":true})");
  EXPECT_EQ(code_of([&] { load_conf_list(d.path(), "net"); }), 7);
}

TEST(ConfList, BooleansAcceptStrings) {
  auto list = parse_conf_list(
      R"({"name":"n","disableCheck":"TRUE","disableGC":true,"plugins":[{"type":"t"}]})", "f");
  EXPECT_TRUE(list.disable_check);
  EXPECT_TRUE(list.disable_gc);
  EXPECT_FALSE(list.load_only_inlined_plugins);
  EXPECT_FALSE(
      parse_conf_list(R"({"name":"n","disableCheck":"false","plugins":[{"type":"t"}]})", "f")
          .disable_check);
  EXPECT_EQ(code_of([] {
              parse_conf_list(R"({"name":"n","disableCheck":"yes","plugins":[{"type":"t"}]})", "f");
            }),
            7);
  EXPECT_EQ(code_of([] {
              parse_conf_list(R"({"name":"n","disableGC":1,"plugins":[{"type":"t"}]})", "f");
            }),
            7);
}

TEST(ConfList, CniVersionsPicksTheHighestWeImplement) {
  auto version = [](const std::string& top) {
    return parse_conf_list(R"({"name":"n",)" + top + R"(,"plugins":[{"type":"t"}]})", "f")
        .cni_version;
  };
  EXPECT_EQ(version(R"("cniVersion":"0.4.0")"), "0.4.0");
  EXPECT_EQ(version(R"("cniVersion":"0.4.0","cniVersions":["1.0.0","0.3.1"])"), "1.0.0");
  EXPECT_EQ(version(R"("cniVersion":"1.1.0","cniVersions":["1.0.0"])"), "1.1.0");
  EXPECT_EQ(version(R"("cniVersions":["1.0.0","1.1.0","2.0.0","1.10.0"])"), "1.1.0");
  EXPECT_EQ(version(R"("cniVersion":"1.0.0","cniVersions":["3.0.0"])"), "1.0.0");
  EXPECT_EQ(version(R"("cniVersion":"9.0.0","cniVersions":[])"), "9.0.0");
  EXPECT_EQ(code_of([&] { version(R"("cniVersions":["1.x"])"); }), 1);
  EXPECT_EQ(code_of([&] { version(R"("cniVersions":"1.0.0")"); }), 7);
}

}  // namespace
}  // namespace cni::tool

// The result cache in libcni's format: <cacheDir>/results/<net>-<containerID>-<ifname>.
#include "cache.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <vector>

#include "base64.hpp"
#include "support/errors.hpp"
#include "tmp_dir.hpp"

namespace cni::tool {
namespace {

using cni::test::code_of;
using nlohmann::json;
using test::TmpDir;

CachedInfo sample() {
  CachedInfo info;
  info.container_id = "c1";
  info.config = R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"loopback"}]})";
  info.ifname = "eth0";
  info.network_name = "net";
  info.netns = "/run/netns/x";
  info.cni_args = {{"IgnoreUnknown", "1"}, {"K", "V"}};
  info.capability_args = json::parse(R"({"mac":"0a:58:0a:4d:00:63"})");
  info.result = json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}],"dns":{}})");
  return info;
}

TEST(Base64, MatchesGo) {
  EXPECT_EQ(base64_encode(R"({"a":1})"), "eyJhIjoxfQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode(""), "");
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_decode("YQ="), std::nullopt);
  EXPECT_EQ(base64_decode("Y=Q="), std::nullopt);
  EXPECT_EQ(base64_decode("YQ==YQ=="), std::nullopt);
  EXPECT_EQ(base64_decode("YQ*="), std::nullopt);
}

TEST(Cache, RendersLibcnisLayout) {
  // Field order and omitempty of libcni's cachedInfo; `config` is base64 ([]byte).
  EXPECT_EQ(render_cache(sample()),
            R"({"kind":"cniCacheV1","containerId":"c1","config":")" +
                base64_encode(sample().config) +
                R"(","ifName":"eth0","networkName":"net","netns":"/run/netns/x",)"
                R"("cniArgs":[["IgnoreUnknown","1"],["K","V"]],)"
                R"("capabilityArgs":{"mac":"0a:58:0a:4d:00:63"},)"
                R"("result":{"cniVersion":"1.0.0","dns":{},"ips":[{"address":"10.0.0.2/24"}]}})");
  CachedInfo bare = sample();
  bare.netns.clear();
  bare.cni_args.clear();
  bare.capability_args = json::object();
  bare.result = nullptr;
  EXPECT_EQ(render_cache(bare), R"({"kind":"cniCacheV1","containerId":"c1","config":")" +
                                    base64_encode(bare.config) +
                                    R"(","ifName":"eth0","networkName":"net"})");
}

TEST(Cache, WriteReadRemoveRoundTrip) {
  TmpDir d;
  std::string cache = d / "cache";
  write_cache(cache, sample());
  std::string path = cache_file_path(cache, "net", "c1", "eth0");
  EXPECT_EQ(path, cache + "/results/net-c1-eth0");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((cache + "/results").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto text = read_cache_file(cache, "net", "c1", "eth0");
  ASSERT_TRUE(text);
  auto info = parse_cache(*text);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->container_id, "c1");
  EXPECT_EQ(info->config, sample().config);
  EXPECT_EQ(info->netns, "/run/netns/x");
  EXPECT_EQ(info->cni_args, sample().cni_args);
  EXPECT_EQ(info->capability_args, sample().capability_args);
  EXPECT_EQ(cached_result_json(*text), sample().result);

  EXPECT_TRUE(remove_cache(cache, "net", "c1", "eth0"));
  EXPECT_FALSE(remove_cache(cache, "net", "c1", "eth0"));
  EXPECT_FALSE(read_cache_file(cache, "net", "c1", "eth0"));
}

TEST(Cache, ReadsAnEntryWrittenByLibcni) {
  // As containerd/CRI-O (libcni) write it: Go's json.Marshal of cachedInfo, result keys sorted.
  const std::string libcni =
      R"({"kind":"cniCacheV1","containerId":"abc123","config":"eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoibmV0MSIsInBsdWdpbnMiOlt7InR5cGUiOiJwdHAifV19",)"
      R"("ifName":"eth1","networkName":"net1","netns":"/var/run/netns/cni-1234",)"
      R"("cniArgs":[["K8S_POD_NAME","web"]],"capabilityArgs":{"portMappings":[]},)"
      R"("result":{"cniVersion":"1.0.0","dns":{},"interfaces":[{"mac":"aa:bb:cc:dd:ee:ff",)"
      R"("name":"veth1234"},{"mac":"11:22:33:44:55:66","name":"eth1","sandbox":"/var/run/netns/cni-1234"}],)"
      R"("ips":[{"address":"10.22.0.5/16","gateway":"10.22.0.1","interface":1}],)"
      R"("routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1"}]}})";
  auto info = parse_cache(libcni);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->config, R"({"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"ptp"}]})");
  EXPECT_EQ(info->network_name, "net1");
  EXPECT_EQ(info->ifname, "eth1");
  EXPECT_EQ(info->cni_args.at(0).second, "web");
  EXPECT_EQ(cached_result_json(libcni)["ips"][0]["interface"], 1);

  TmpDir d;
  d.write("results/net1-abc123-eth1", libcni);
  d.write("results/net1-legacy-eth0", R"({"cniVersion":"0.4.0","ips":[]})");  // legacy: skipped
  d.write("results/net1-broken-eth0", "{");
  d.write("results/net2-x-eth0",
          R"({"kind":"cniCacheV1","containerId":"x","ifName":"eth0","networkName":"net2"})");
  d.write("results/net3-noif-", R"({"kind":"cniCacheV1","containerId":"x","networkName":"net3"})");
  d.write("results/.net1-tmp-eth0.tmp", libcni);
  auto all = cached_attachments(d.path());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].container_id, "abc123");
  EXPECT_EQ((*all)[1].network_name, "net2");
  EXPECT_FALSE(cached_attachments(d / "nothing"));
}

TEST(Cache, LegacyBareResultAndGarbage) {
  EXPECT_EQ(cached_result_json(R"({"cniVersion":"0.4.0","ips":[]})")["cniVersion"], "0.4.0");
  EXPECT_EQ(code_of([] { cached_result_json("not json"); }), 6);
  // A cniCacheV1 entry with a malformed field is read as libcni would: as a legacy result.
  EXPECT_FALSE(parse_cache(R"({"kind":"cniCacheV1","config":"%%%"})"));
  EXPECT_TRUE(cached_result_json(R"({"kind":"cniCacheV1","containerId":"c"})").is_null());
}

TEST(Cache, PathPartsMustBeUsable) {
  EXPECT_EQ(code_of([] { cache_file_path("/c", "", "c1", "eth0"); }), 7);
  EXPECT_EQ(code_of([] { cache_file_path("/c", "net", "", "eth0"); }), 7);
  EXPECT_EQ(code_of([] { cache_file_path("/c", "net", "c1", ""); }), 7);
  EXPECT_EQ(code_of([] { cache_file_path("/c", "net", "../../etc", "eth0"); }), 7);
}

}  // namespace
}  // namespace cni::tool

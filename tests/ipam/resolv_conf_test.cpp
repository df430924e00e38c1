#include "resolv_conf.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "test_util.hpp"

namespace cni::ipam {
namespace {

TEST(ResolvConf, ParsesLikeTheReference) {
  auto d = parse_resolv_conf_text(
      "# a comment\n"
      "; another\n"
      "\n"
      "nameserver 192.0.2.3\n"
      "  nameserver   2001:db8::53  \n"
      "domain example.com\n"
      "domain example.org\n"
      "search a.example b.example\n"
      "search c.example\n"
      "options ndots:5 timeout:2\r\n"
      "nameserver\n"
      "sortlist 10.0.0.0/8\n");
  EXPECT_EQ(d.nameservers, (std::vector<std::string>{"192.0.2.3", "2001:db8::53"}));
  EXPECT_EQ(d.domain, "example.org");
  EXPECT_EQ(d.search, (std::vector<std::string>{"a.example", "b.example", "c.example"}));
  EXPECT_EQ(d.options, (std::vector<std::string>{"ndots:5", "timeout:2"}));
  EXPECT_TRUE(parse_resolv_conf_text("").empty());
}

TEST(ResolvConf, ReadsAFileAndNamesTheKeyOnError) {
  char path[] = "/tmp/cni-ipam-resolv-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "nameserver 192.0.2.3";
  EXPECT_EQ(read_resolv_conf(path).nameservers, std::vector<std::string>{"192.0.2.3"});
  std::remove(path);
  EXPECT_CNI_ERROR(read_resolv_conf(path), Code::InvalidConfig,
                   std::string("ipam.resolvConf: cannot read \"") + path + "\"");
}

}  // namespace
}  // namespace cni::ipam

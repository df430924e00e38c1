#include "cni/validate.hpp"

#include <gtest/gtest.h>

#include "cni/error.hpp"
#include "support/errors.hpp"

namespace cni {
namespace {

using test::code_of;

TEST(Validate, ContainerId) {
  EXPECT_EQ(code_of([] { validate_container_id("abc-123_x.y"); }), 0);
  EXPECT_EQ(code_of([] { validate_container_id(std::string(64, 'f')); }), 0);
  EXPECT_EQ(code_of([] { validate_container_id(""); }), 3);
  for (const char* bad : {"-a", "_a", ".a", "a/b", "a b", "a;b", "..", "a\nb"}) {
    EXPECT_EQ(code_of([&] { validate_container_id(bad); }), 4) << bad;
  }
  EXPECT_EQ(code_of([] { validate_container_id(std::string("a\0b", 3)); }), 4);
}

TEST(Validate, InterfaceName) {
  EXPECT_EQ(code_of([] { validate_ifname("eth0"); }), 0);
  EXPECT_EQ(code_of([] { validate_ifname("net1.100"); }), 0);
  EXPECT_EQ(code_of([] { validate_ifname(std::string(15, 'a')); }), 0);
  EXPECT_EQ(code_of([] { validate_ifname(std::string(16, 'a')); }), 4);
  for (const char* bad : {"", ".", "..", "a/b", "a:b", "a b", "a\tb", "a\nb"}) {
    EXPECT_EQ(code_of([&] { validate_ifname(bad); }), 4) << bad;
  }
  EXPECT_EQ(code_of([] { validate_ifname(std::string("a\0b", 3)); }), 4);
}

TEST(Validate, InterfaceNameMessageNamesField) {
  try {
    validate_ifname("toolong-interface", "bridge");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.msg().rfind("bridge:", 0), 0u) << e.msg();
  }
}

TEST(Validate, NetworkName) {
  EXPECT_EQ(code_of([] { validate_network_name("mynet-1"); }), 0);
  for (const char* bad : {"", "../x", "a/b", "/abs", ".hidden", "a b"}) {
    EXPECT_EQ(code_of([&] { validate_network_name(bad); }), 7) << bad;
  }
}

TEST(Validate, SafeName) {
  EXPECT_TRUE(is_safe_name("net1"));
  for (const char* bad : {"", ".", "..", "../a", "a/b", "/a"})
    EXPECT_FALSE(is_safe_name(bad)) << bad;
}

}  // namespace
}  // namespace cni

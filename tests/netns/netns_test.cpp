#include "netns/netns.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "cni/error.hpp"
#include "support/temp_netns.hpp"

namespace cni {
namespace {

int code_of_open(const std::string& path) {
  try {
    (void)netns::Handle::open(path);
  } catch (const Error& e) {
    return static_cast<int>(e.code());
  }
  return 0;
}

TEST(Netns, MissingPathIsNotAnError) {
  EXPECT_FALSE(netns::Handle::open("/run/netns/cnitest-definitely-missing").has_value());
  EXPECT_FALSE(netns::Handle::open("/etc/hostname/below-a-file").has_value());
}

TEST(Netns, RegularFileDirectoryAndOtherNamespacesAreRejected) {
  EXPECT_EQ(code_of_open("/etc/hostname"), 8);
  EXPECT_EQ(code_of_open("/tmp"), 8);
  EXPECT_EQ(code_of_open("/proc/self/ns/mnt"), 8);  // a namespace, but not a network one
  EXPECT_EQ(code_of_open("/proc/self/ns/uts"), 8);
}

TEST(Netns, OwnNamespaceIsSameAsCurrent) {
  auto own = netns::Handle::open("/proc/self/ns/net");
  ASSERT_TRUE(own.has_value());
  EXPECT_TRUE(own->same_as(netns::Handle::current()));
}

TEST(RootNetns, ThrowawayNamespaceOpensAndDiffers) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  auto h = netns::Handle::open(ns.path());
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->path(), ns.path());
  EXPECT_FALSE(h->same_as(netns::Handle::current()));
}

TEST(RootNetns, EnterSwitchesAndReturns) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  auto target = netns::Handle::open(ns.path());
  ASSERT_TRUE(target.has_value());
  auto before = netns::Handle::current();
  {
    netns::Enter enter(*target);
    EXPECT_TRUE(netns::Handle::current().same_as(*target));
  }
  EXPECT_TRUE(netns::Handle::current().same_as(before));
}

TEST(RootNetns, EnterReturnsWhenTheBodyThrows) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  auto target = netns::Handle::open(ns.path());
  auto before = netns::Handle::current();
  EXPECT_THROW(
      {
        netns::Enter enter(*target);
        throw std::runtime_error("inside");
      },
      std::runtime_error);
  EXPECT_TRUE(netns::Handle::current().same_as(before));
}

}  // namespace
}  // namespace cni

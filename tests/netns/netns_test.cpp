#include "netns/netns.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "cni/error.hpp"
#include "support/errors.hpp"
#include "support/temp_netns.hpp"

namespace cni::netns {
namespace {

// The code of the cni::Error that f() throws.
template <typename F>
Code code_of(F&& f) {
  return test::error_of(std::forward<F>(f)).code();
}

class TempFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/cni-netns-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    file_ = dir_ + "/file";
    FILE* f = std::fopen(file_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
  std::string file_;
};

TEST(Netns, OpenMissingPathIsNullopt) {
  EXPECT_FALSE(Handle::open("/nonexistent-cni-test/netns").has_value());
}

TEST_F(TempFiles, OpenBelowARegularFileIsNullopt) {
  // ENOTDIR: the path cannot exist.
  EXPECT_FALSE(Handle::open(file_ + "/netns").has_value());
}

TEST_F(TempFiles, OpenRegularFileIsInvalidNetns) {
  try {
    Handle::open(file_);
    FAIL() << "expected InvalidNetns";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::InvalidNetns);
    EXPECT_EQ(e.msg(), "\"" + file_ + "\" is not a network namespace");
  }
}

TEST_F(TempFiles, OpenDirectoryIsInvalidNetns) {
  EXPECT_EQ(code_of([&] { Handle::open(dir_); }), Code::InvalidNetns);
}

TEST(Netns, OtherNamespaceTypesAreInvalidNetns) {
  // Namespace files (nsfs magic), but not network ones.
  EXPECT_EQ(code_of([] { Handle::open("/proc/self/ns/mnt"); }), Code::InvalidNetns);
  EXPECT_EQ(code_of([] { Handle::open("/proc/self/ns/uts"); }), Code::InvalidNetns);
}

TEST(Netns, OpenProcFileThatIsNoNamespaceIsInvalidNetns) {
  // procfs magic, but NS_GET_NSTYPE fails.
  EXPECT_EQ(code_of([] { Handle::open("/proc/self/status"); }), Code::InvalidNetns);
}

TEST(Netns, OpenOwnNamespaceByProcPath) {
  auto h = Handle::open("/proc/thread-self/ns/net");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->path(), "/proc/thread-self/ns/net");
  EXPECT_GE(h->fd(), 0);
  EXPECT_TRUE(h->same_as(Handle::current()));
  EXPECT_TRUE(Handle::current().same_as(*h));
}

TEST(Netns, HandleIsMovable) {
  auto h = Handle::current();
  const int fd = h.fd();
  Handle moved(std::move(h));
  EXPECT_EQ(moved.fd(), fd);
  EXPECT_TRUE(moved.same_as(Handle::current()));
}

TEST(RootNetns, OpenThrowawayNamespace) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  auto h = Handle::open(ns.path());
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->path(), ns.path());
  EXPECT_FALSE(h->same_as(Handle::current()));
  auto again = Handle::open(ns.path());
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(h->same_as(*again));
}

TEST(RootNetns, TwoNamespacesDiffer) {
  CNI_REQUIRE_ROOT();
  test::TempNetns a;
  ASSERT_TRUE(a.ok());
  test::TempNetns b;
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a.name(), b.name());
  EXPECT_FALSE(a.handle().same_as(b.handle()));
}

TEST(RootNetns, EnterSwitchesAndComesBack) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  ASSERT_TRUE(ns.add_link("cnitestonly0"));
  const auto home = Handle::current();
  const auto target = ns.handle();
  ASSERT_EQ(if_nametoindex("cnitestonly0"), 0U) << "the test link must exist only inside";
  {
    Enter enter(target);
    EXPECT_TRUE(Handle::current().same_as(target));
    EXPECT_NE(if_nametoindex("cnitestonly0"), 0U);
  }
  EXPECT_TRUE(Handle::current().same_as(home));
  EXPECT_EQ(if_nametoindex("cnitestonly0"), 0U);
}

TEST(RootNetns, EnterComesBackWhenTheBodyThrows) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  const auto home = Handle::current();
  const auto target = ns.handle();
  EXPECT_THROW(
      {
        Enter enter(target);
        ASSERT_TRUE(Handle::current().same_as(target));
        throw std::runtime_error("boom");
      },
      std::runtime_error);
  EXPECT_TRUE(Handle::current().same_as(home));
}

TEST(RootNetns, NestedEntersUnwindInOrder) {
  CNI_REQUIRE_ROOT();
  test::TempNetns a;
  ASSERT_TRUE(a.ok());
  test::TempNetns b;
  ASSERT_TRUE(b.ok());
  const auto home = Handle::current();
  const auto ha = a.handle();
  const auto hb = b.handle();
  {
    Enter into_a(ha);
    {
      Enter into_b(hb);
      EXPECT_TRUE(Handle::current().same_as(hb));
    }
    EXPECT_TRUE(Handle::current().same_as(ha));
  }
  EXPECT_TRUE(Handle::current().same_as(home));
}

TEST(RootNetns, HandleKeepsNamespaceUsableAfterDelete) {
  CNI_REQUIRE_ROOT();
  std::string path;
  std::optional<Handle> h;
  {
    test::TempNetns ns;
    ASSERT_TRUE(ns.ok());
    path = ns.path();
    h = ns.handle();
  }
  // The name is gone, the open handle still refers to a live namespace.
  EXPECT_FALSE(Handle::open(path).has_value());
  const auto home = Handle::current();
  {
    Enter enter(*h);
    EXPECT_TRUE(Handle::current().same_as(*h));
  }
  EXPECT_TRUE(Handle::current().same_as(home));
}

}  // namespace
}  // namespace cni::netns

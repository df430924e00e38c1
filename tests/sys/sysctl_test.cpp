#include "sys/sysctl.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cni/error.hpp"
#include "netns/netns.hpp"
#include "support/errors.hpp"
#include "support/temp_netns.hpp"

namespace cni::sys {
namespace {

constexpr const char* kForwarding = "net/ipv4/conf/all/forwarding";

using test::error_of;

TEST(Sysctl, ReadsSlashAndDotForms) {
  EXPECT_EQ(read_sysctl("kernel/ostype"), "Linux");
  EXPECT_EQ(read_sysctl("kernel.ostype"), "Linux");
}

TEST(Sysctl, MissingKeyIsNullopt) {
  EXPECT_FALSE(read_sysctl("kernel/no_such_sysctl_cni").has_value());
  EXPECT_FALSE(read_sysctl("net.ipv4.conf.nosuchif0.forwarding").has_value());
  // Slash form keeps dots: an interface such as "eth0.100" is one component.
  EXPECT_FALSE(read_sysctl("net/ipv4/conf/nosuchif0.100/forwarding").has_value());
}

TEST(Sysctl, RefusesKeysLeavingProcSys) {
  for (const char* key : {"", "../etc/passwd", "net/../../etc/passwd", "/etc/passwd", "net//ipv4",
                          "net/./ipv4/ip_forward", "net/ipv4/", "kernel..ostype"}) {
    try {
      read_sysctl(key);
      ADD_FAILURE() << "accepted \"" << key << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Code::System) << key;
      EXPECT_NE(e.msg().find("invalid key"), std::string::npos) << e.msg();
    }
  }
  EXPECT_THROW(write_sysctl("net/../kernel/ostype", "x"), Error);
}

TEST(Sysctl, RealPathOfAKey) {
  EXPECT_EQ(sysctl_real_path("net.core.somaxconn"), "/proc/sys/net/core/somaxconn");
  EXPECT_EQ(sysctl_real_path("kernel/ostype"), "/proc/sys/kernel/ostype");
  EXPECT_FALSE(sysctl_real_path("net/core/no_such_sysctl_cni").has_value());
  EXPECT_THROW(sysctl_real_path("net/../kernel/ostype"), Error);
}

TEST(Sysctl, WritingTheCurrentValueWritesNothing) {
  // kernel.ostype is read-only: a write would fail, so success means it was skipped.
  EXPECT_NO_THROW(write_sysctl("kernel.ostype", "Linux"));
}

TEST(RootSysctl, WriteFailureNamesKeyAndValue) {
  CNI_REQUIRE_ROOT();
  // Read-only file: refused even to root (no network state involved).
  auto e = error_of([] { write_sysctl("kernel/ostype", "NotLinux"); });
  EXPECT_EQ(e.code(), Code::System);
  EXPECT_EQ(e.msg().rfind("sysctl kernel/ostype=NotLinux: ", 0), 0U) << e.msg();
}

TEST(RootSysctl, WritesInsideAThrowawayNamespaceOnly) {
  CNI_REQUIRE_ROOT();
  test::TempNetns ns;
  ASSERT_TRUE(ns.ok());
  const auto home_value = read_sysctl(kForwarding);
  ASSERT_TRUE(home_value.has_value());
  const std::string other = *home_value == "1" ? "0" : "1";
  {
    netns::Enter enter(ns.handle());
    write_sysctl(kForwarding, other);
    EXPECT_EQ(read_sysctl(kForwarding), other);
    EXPECT_EQ(read_sysctl("net.ipv4.conf.all.forwarding"), other);
    write_sysctl(kForwarding, other);  // unchanged: skipped
    EXPECT_EQ(read_sysctl(kForwarding), other);
    write_sysctl("net.ipv4.conf.lo.forwarding", "1");
    EXPECT_EQ(read_sysctl("net/ipv4/conf/lo/forwarding"), "1");

    auto e = error_of([] { write_sysctl("net/ipv4/conf/all/forwarding", "banana"); });
    EXPECT_EQ(e.code(), Code::System);
    EXPECT_EQ(e.msg(), "sysctl net/ipv4/conf/all/forwarding=banana: Invalid argument");

    // Write-only (mode 0200, unreadable even to root): written without the comparison read.
    EXPECT_NO_THROW(write_sysctl("net/ipv4/route/flush", "1"));

    auto missing = error_of([] { write_sysctl("net/ipv4/conf/nosuchif0/forwarding", "1"); });
    EXPECT_EQ(missing.msg(),
              "sysctl net/ipv4/conf/nosuchif0/forwarding=1: No such file or directory");
  }
  EXPECT_EQ(read_sysctl(kForwarding), home_value) << "the caller's namespace must not change";
}

}  // namespace
}  // namespace cni::sys

#include "disk_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "fake_store.hpp"
#include "fs.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

namespace cni::ipam {
namespace {

namespace stdfs = std::filesystem;
using test::ip;
using test::slurp;
using test::spit;

const Attachment kC1{"c1", "eth0"};
const Attachment kC2{"c2", "eth1"};

class DiskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ::umask(022); }

  std::unique_ptr<DiskStore> open(DiskStore::Mode mode = DiskStore::Mode::Create) {
    return DiskStore::open(dir.path(), "net1", mode, std::chrono::milliseconds(2000));
  }
  std::string net(const std::string& name = "") const {
    return dir.path() + "/net1" + (name.empty() ? "" : "/" + name);
  }
  std::set<std::string> names() const {
    std::set<std::string> out;
    for (const auto& e : stdfs::directory_iterator(net()))
      out.insert(e.path().filename());
    return out;
  }

  test::TempDir dir;
};

TEST_F(DiskStoreTest, TheReferenceFormatByteForByte) {
  {
    auto s = open();
    ASSERT_TRUE(s->reserve(ip("10.1.2.2"), kC1, 0));
    ASSERT_TRUE(s->reserve(ip("2001:db8::2"), kC1, 1));
    s->commit();
  }
  EXPECT_EQ(slurp(net("10.1.2.2")), "c1\r\neth0");
  EXPECT_EQ(slurp(net("2001:db8::2")), "c1\r\neth0");
  EXPECT_EQ(slurp(net("last_reserved_ip.0")), "10.1.2.2");
  EXPECT_EQ(slurp(net("last_reserved_ip.1")), "2001:db8::2");
  // Only the reference's files live in the network directory.
  EXPECT_EQ(names(), (std::set<std::string>{"10.1.2.2", "2001:db8::2", "last_reserved_ip.0",
                                            "last_reserved_ip.1", "lock"}));
  EXPECT_EQ(test::mode_of(net()), 0755u);
  EXPECT_EQ(test::mode_of(dir.path() + "/.cni-cpp-host-local"), 0755u);
  for (const char* f : {"10.1.2.2", "2001:db8::2", "last_reserved_ip.0", "lock"}) {
    EXPECT_EQ(test::mode_of(net(f)), 0600u) << f;
  }
}

TEST_F(DiskStoreTest, ReserveIsExclusive) {
  auto s = open();
  EXPECT_TRUE(s->reserve(ip("10.1.2.2"), kC1, 0));
  EXPECT_FALSE(s->reserve(ip("10.1.2.2"), kC2, 0));
  spit(net("10.1.2.3"), "someone\r\neth0");  // the reference binary, behind our back
  EXPECT_FALSE(s->reserve(ip("10.1.2.3"), kC2, 0));
  EXPECT_EQ(slurp(net("10.1.2.2")), "c1\r\neth0");
  EXPECT_EQ(slurp(net("10.1.2.3")), "someone\r\neth0");
}

TEST_F(DiskStoreTest, SealedIndexServesLookupsWithoutAScan) {
  {
    auto s = open();
    EXPECT_TRUE(s->scanned());  // a new directory has no index yet
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->reserve(ip("10.1.2.3"), kC2, 0);
    s->commit();
  }
  {
    auto s = open();
    EXPECT_FALSE(s->scanned());
    EXPECT_EQ(s->find_by_attachment(kC1), std::vector<net::IpAddress>{ip("10.1.2.2")});
    EXPECT_EQ(s->find_by_attachment(kC2), std::vector<net::IpAddress>{ip("10.1.2.3")});
    EXPECT_TRUE(s->find_by_attachment({"c1", "eth9"}).empty());
    EXPECT_FALSE(s->scanned());
    EXPECT_TRUE(s->release(ip("10.1.2.2"), Owner::pair(kC1)));
    s->commit();
  }
  auto s = open();
  EXPECT_FALSE(s->scanned());
  EXPECT_TRUE(s->find_by_attachment(kC1).empty());
  EXPECT_EQ(s->find_by_attachment(kC2), std::vector<net::IpAddress>{ip("10.1.2.3")});
}

TEST_F(DiskStoreTest, FilesAddedBehindItsBackAreFound) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  // What the reference binary does: a new reservation file, written in place.
  spit(net("10.1.2.50"), "ref\r\neth0");
  {
    auto s = open();
    EXPECT_TRUE(s->scanned());
    EXPECT_EQ(s->find_by_attachment({"ref", "eth0"}), std::vector<net::IpAddress>{ip("10.1.2.50")});
    s->commit();
  }
  auto s = open();
  EXPECT_FALSE(s->scanned());  // rebuilt and sealed again
  EXPECT_EQ(s->find_by_attachment({"ref", "eth0"}), std::vector<net::IpAddress>{ip("10.1.2.50")});
  EXPECT_EQ(s->find_by_attachment(kC1), std::vector<net::IpAddress>{ip("10.1.2.2")});
}

TEST_F(DiskStoreTest, AFileRemovedAndRecreatedForSomeoneElseIsNotMisattributed) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  // The reference releases c1's address and hands it to c2 (same name, new owner).
  ASSERT_TRUE(stdfs::remove(net("10.1.2.2")));
  spit(net("10.1.2.2"), "c2\r\neth1");
  auto s = open();
  EXPECT_TRUE(s->find_by_attachment(kC1).empty());
  EXPECT_EQ(s->find_by_attachment(kC2), std::vector<net::IpAddress>{ip("10.1.2.2")});
  EXPECT_FALSE(s->release(ip("10.1.2.2"), Owner::pair(kC1)));
  EXPECT_EQ(slurp(net("10.1.2.2")), "c2\r\neth1");
}

TEST_F(DiskStoreTest, ReleaseRereadsTheFileFirst) {
  auto s = open();
  s->reserve(ip("10.1.2.2"), kC1, 0);
  spit(net("10.1.2.2"), "other\r\neth0");  // rewritten in place (no directory change)
  EXPECT_FALSE(s->release(ip("10.1.2.2"), Owner::pair(kC1)));
  EXPECT_TRUE(stdfs::exists(net("10.1.2.2")));
  EXPECT_FALSE(s->release(ip("10.1.2.9"), Owner::pair(kC1)));  // never existed
}

TEST_F(DiskStoreTest, AContentChangeThatKeepsTheSealIsCaughtOnLookup) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  spit(net("10.1.2.2"), "c2\r\neth1");  // in place: the directory mtime keeps the seal
  auto s = open();
  EXPECT_FALSE(s->scanned());
  EXPECT_TRUE(s->find_by_attachment(kC1).empty());  // the bucket entry is checked, then rescan
  EXPECT_TRUE(s->scanned());
  EXPECT_EQ(s->find_by_attachment(kC2), std::vector<net::IpAddress>{ip("10.1.2.2")});
}

TEST_F(DiskStoreTest, LegacyIdOnlyFiles) {
  { open()->commit(); }
  spit(net("10.1.2.7"), "c1");
  spit(net("10.1.2.8"), "  c1\n");  // whitespace is trimmed, as strings.TrimSpace
  auto s = open();
  EXPECT_TRUE(s->find_by_attachment(kC1).empty());
  EXPECT_EQ(s->find_legacy("c1"), (std::vector<net::IpAddress>{ip("10.1.2.7"), ip("10.1.2.8")}));
  EXPECT_TRUE(s->release(ip("10.1.2.7"), Owner::legacy("c1")));
  s->commit();
  s.reset();
  auto again = open();
  EXPECT_FALSE(again->scanned());
  EXPECT_EQ(again->find_legacy("c1"), std::vector<net::IpAddress>{ip("10.1.2.8")});
}

TEST_F(DiskStoreTest, AllAndReservedAddresses) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.3"), kC1, 0);
    s->reserve(ip("fd00::3"), kC2, 1);
    s->commit();
  }
  spit(net("10.1.2.2"), "");                // empty: nobody's
  spit(net("10.1.2.9"), "bad id\r\neth0");  // unparsable
  spit(net("not-an-ip"), "c9\r\neth0");     // not a reservation name
  spit(net("10.01.2.4"), "c9\r\neth0");     // not canonical: never written by either binary
  spit(net(std::string(fs::kTempPrefix) + "1.2"), "c1\r\neth0");  // crashed temp file
  auto s = open();
  EXPECT_EQ(s->reserved_addresses(), (std::vector<net::IpAddress>{ip("10.1.2.2"), ip("10.1.2.3"),
                                                                  ip("10.1.2.9"), ip("fd00::3")}));
  auto all = s->all();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].owner.kind, Owner::Kind::Unknown);
  EXPECT_EQ(all[1].owner, Owner::pair(kC1));
  EXPECT_EQ(all[2].owner.kind, Owner::Kind::Unknown);
  EXPECT_EQ(all[3].owner, Owner::pair(kC2));
  EXPECT_FALSE(stdfs::exists(net(std::string(fs::kTempPrefix) + "1.2")));  // cleaned by the scan
}

TEST_F(DiskStoreTest, LastReserved) {
  auto s = open();
  EXPECT_FALSE(s->last_reserved(0).has_value());
  spit(net("last_reserved_ip.3"), "10.1.2.77");
  EXPECT_EQ(s->last_reserved(3), ip("10.1.2.77"));
  spit(net("last_reserved_ip.3"), "garbage");
  EXPECT_FALSE(s->last_reserved(3).has_value());
}

TEST_F(DiskStoreTest, ExistingOnlyCreatesNothing) {
  EXPECT_EQ(open(DiskStore::Mode::ExistingOnly), nullptr);
  EXPECT_FALSE(stdfs::exists(net()));
  EXPECT_EQ(DiskStore::open(dir.path() + "/missing/deeper", "net1", DiskStore::Mode::ExistingOnly),
            nullptr);
  EXPECT_FALSE(stdfs::exists(dir.path() + "/missing"));
}

TEST_F(DiskStoreTest, PathsNeverLeaveTheDataDir) {
  for (const char* bad : {"..", ".", "../x", "a/b", "", ".hidden", "x\ny"}) {
    EXPECT_CNI_ERROR(DiskStore::open(dir.path(), bad, DiskStore::Mode::Create), Code::Internal,
                     "unsafe network name");
  }
  EXPECT_FALSE(stdfs::exists(dir.path() + "/x"));
  EXPECT_CNI_ERROR(DiskStore::open("relative/dir", "net1", DiskStore::Mode::Create),
                   Code::InvalidConfig, "not an absolute path");
  // A symlink planted as the network directory is not followed.
  stdfs::create_directory(dir.path() + "/elsewhere");
  stdfs::create_directory_symlink(dir.path() + "/elsewhere", dir.path() + "/net2");
  EXPECT_CNI_ERROR(DiskStore::open(dir.path(), "net2", DiskStore::Mode::Create), Code::System,
                   "net2");
}

TEST_F(DiskStoreTest, TheLockIsExclusiveAcrossOpens) {
  auto first = open();
  EXPECT_CNI_ERROR(
      DiskStore::open(dir.path(), "net1", DiskStore::Mode::Create, std::chrono::milliseconds(50)),
      Code::TryAgainLater, "lock");
  first.reset();
  EXPECT_NE(open(), nullptr);
}

TEST_F(DiskStoreTest, ALostOrCorruptIndexIsRebuilt) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  spit(dir.path() + "/.cni-cpp-host-local/net1/b/c1@eth0", "garbage\n");
  {
    auto s = open();
    EXPECT_EQ(s->find_by_attachment(kC1), std::vector<net::IpAddress>{ip("10.1.2.2")});
    EXPECT_TRUE(s->scanned());
    s->commit();
  }
  stdfs::remove_all(dir.path() + "/.cni-cpp-host-local");
  auto s = open();
  EXPECT_TRUE(s->scanned());
  EXPECT_EQ(s->find_by_attachment(kC1), std::vector<net::IpAddress>{ip("10.1.2.2")});
}

TEST_F(DiskStoreTest, AnUncommittedChangeForcesARescan) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  {
    auto s = open();
    s->reserve(ip("10.1.2.3"), kC2, 0);
    // no commit: as if the process died here
  }
  auto s = open();
  EXPECT_TRUE(s->scanned());
  EXPECT_EQ(s->find_by_attachment(kC2), std::vector<net::IpAddress>{ip("10.1.2.3")});
}

TEST_F(DiskStoreTest, TempFilesOfACrashedCommitAreRemovedByTheNextOne) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  {
    auto s = open();
    s->reserve(ip("10.1.2.3"), kC2, 0);
    // As if the process died while replacing a bucket and the seal (temp files written, not
    // yet renamed), and while replacing a reservation file.
    spit(dir.path() + "/.cni-cpp-host-local/net1/.cni-cpp-tmp.99999.1", "seal\n");
    spit(dir.path() + "/.cni-cpp-host-local/net1/b/.cni-cpp-tmp.99999.0", "bucket\n");
    spit(dir.path() + "/net1/.cni-cpp-tmp.99999.2", "c2\n");
  }
  {
    auto s = open();
    EXPECT_TRUE(s->scanned());
    s->commit();
  }
  for (const auto& e : stdfs::recursive_directory_iterator(dir.path())) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".cni-cpp-tmp.")) << e.path();
  }
}

TEST_F(DiskStoreTest, IndexFilesCanNeverReadAsReservations) {
  {
    auto s = open();
    s->reserve(ip("10.1.2.2"), kC1, 0);
    s->commit();
  }
  for (const auto& e : stdfs::recursive_directory_iterator(dir.path() + "/.cni-cpp-host-local")) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(Owner::parse(slurp(e.path())).kind, Owner::Kind::Unknown) << e.path();
  }
}

TEST(Fs, CreateExclusiveAndReplaceLeaveNoTempFiles) {
  test::TempDir dir;
  auto fd = fs::open_dir_path(dir.path() + "/a/b", true);
  ASSERT_TRUE(fd);
  EXPECT_TRUE(fs::create_exclusive(fd.get(), "x", "one"));
  EXPECT_FALSE(fs::create_exclusive(fd.get(), "x", "two"));
  EXPECT_EQ(slurp(dir.path() + "/a/b/x"), "one");
  fs::replace(fd.get(), "x", "three");
  fs::replace(fd.get(), "y", "four");
  EXPECT_EQ(slurp(dir.path() + "/a/b/x"), "three");
  EXPECT_EQ(slurp(dir.path() + "/a/b/y"), "four");
  std::set<std::string> names;
  for (const auto& e : fs::list(fd.get()))
    names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{"x", "y"}));
  EXPECT_TRUE(fs::remove(fd.get(), "x"));
  EXPECT_FALSE(fs::remove(fd.get(), "x"));
  EXPECT_FALSE(fs::read_file(fd.get(), "x").has_value());
  EXPECT_FALSE(fs::open_dir_path(dir.path() + "/nope", false));
}

}  // namespace
}  // namespace cni::ipam

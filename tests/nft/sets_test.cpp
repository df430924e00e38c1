// Named sets (nft/sets.hpp) in a throwaway namespace: declared as nft declares them (so
// `nft list` prints them), elements added, looked up, deleted and flushed, and batches of more
// elements than one message holds.
#include "nft/sets.hpp"

#include <gtest/gtest.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>

#include <string>
#include <vector>

#include "nft/batch.hpp"
#include "nft/socket.hpp"
#include "support/nft_netns_fixture.hpp"

namespace cni::nft {
namespace {

const SetName kSet{.family = NFPROTO_IPV4, .table = "settest", .name = "ports"};
const SetKind kPorts{
    .key_type = concat_type(kTypeInetProto, kTypeInetService), .key_len = 8, .comment = "test set"};

std::string port_key(std::uint16_t port) {
  std::string key(8, '\0');
  key[0] = 6;  // tcp
  key[4] = static_cast<char>(port >> 8);
  key[5] = static_cast<char>(port & 0xff);
  return key;
}

class RootNftSets : public test::RootNftNetns {
 protected:
  // Creates the table and the set, with `keys` in it, in one transaction.
  void create(const std::vector<std::string>& keys) {
    in_ns([&] {
      Socket sock;
      Batch batch(sock);
      TablePtr t(nftnl_table_alloc());
      nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, kSet.family);
      nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kSet.table.c_str());
      batch.add_table(*t, "add table");
      batch.add_set(*set_declaration(kSet, kPorts), "add set");
      add_set_elements(batch, kSet, keys);
      batch.commit();
    });
  }
  bool has(std::uint16_t port) {
    return in_ns([&] {
      Socket sock;
      return set_has_element(sock, kSet, port_key(port));
    });
  }
  std::string list() {
    return test::capture("ip netns exec " + ns_->name() + " nft list set ip settest ports");
  }
};

TEST_F(RootNftSets, DeclaredAsNftDeclaresThem) {
  EXPECT_FALSE(in_ns([] {
    Socket sock;
    return set_exists(sock, kSet);
  }));
  EXPECT_FALSE(has(80));  // no set: not an error
  create({port_key(80), port_key(8080)});
  const std::string text = list();
  EXPECT_NE(text.find("type inet_proto . inet_service"), std::string::npos) << text;
  EXPECT_NE(text.find("comment \"test set\""), std::string::npos) << text;
  EXPECT_NE(text.find("tcp . 8080"), std::string::npos) << text;
  EXPECT_TRUE(in_ns([] {
    Socket sock;
    return set_exists(sock, kSet);
  }));
  EXPECT_TRUE(has(80) && has(8080));
  EXPECT_FALSE(has(81));
  create({port_key(80)});  // declaring again and adding a present element change nothing
  EXPECT_TRUE(has(80) && has(8080));
}

TEST_F(RootNftSets, DeleteAndFlush) {
  create({port_key(1), port_key(2), port_key(3)});
  in_ns([] {
    Socket sock;
    Batch batch(sock);
    delete_set_elements(batch, kSet, {port_key(2)});
    batch.commit();
  });
  EXPECT_TRUE(has(1) && !has(2) && has(3));
  // Deleting a missing element fails the whole batch.
  auto failure = in_ns([] {
    Socket sock;
    Batch batch(sock);
    delete_set_elements(batch, kSet, {port_key(1), port_key(2)});
    return batch.try_commit();
  });
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, ENOENT);
  EXPECT_TRUE(has(1));
  in_ns([] {
    Socket sock;
    Batch batch(sock);
    flush_set(batch, kSet);
    batch.commit();
  });
  EXPECT_FALSE(has(1) || has(3));
}

TEST_F(RootNftSets, ManyElementsTakeSeveralMessages) {
  std::vector<std::string> keys;
  for (std::uint16_t p = 1; p <= 3000; ++p)
    keys.push_back(port_key(p));
  create(keys);
  EXPECT_TRUE(has(1) && has(256) && has(257) && has(1500) && has(3000));
  EXPECT_FALSE(has(3001));
}

}  // namespace
}  // namespace cni::nft

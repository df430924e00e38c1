// The port index of the port-mapping rules (nft/hostport_index.hpp): its keys (pure), and in
// throwaway namespaces how ADD, DEL and GC keep it, when ADD trusts it, and how it is rebuilt
// after the reference's ADD, a lost set or a restored ruleset.
#include "nft/hostport_index.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "nft/hostports.hpp"
#include "nft/rules.hpp"
#include "nft/sets.hpp"
#include "nft/socket.hpp"
#include "support/nft_netns_fixture.hpp"

namespace cni::nft {
namespace {

TEST(HostportIndex, PortKeyIsNftsConcatenation) {
  // `nft add element ... { tcp . 8080 }` sends 06 00 00 00 1f 90 00 00: each field padded to
  // 4 bytes, the port in network byte order.
  EXPECT_EQ(published_port_key(IPPROTO_TCP, 8080), std::string("\x06\0\0\0\x1f\x90\0\0", 8));
  EXPECT_EQ(published_port_key(IPPROTO_UDP, 53), std::string("\x11\0\0\0\0\x35\0\0", 8));
}

TEST(HostportIndex, OwnerKeys) {
  EXPECT_EQ(tagged_owner_key("a-b").size(), 4U);
  EXPECT_EQ(tagged_owner_key("a-b"), tagged_owner_key("a-b"));
  EXPECT_NE(tagged_owner_key("a-b"), tagged_owner_key("a-c"));
  // The same text as a tag and as a container ID gives different keys.
  EXPECT_NE(tagged_owner_key("x"), untagged_owner_key("x"));
  RawRule r;
  EXPECT_EQ(owner_key_of(r), std::nullopt);  // written by hand: no owner
  r.comment = "ctr";
  EXPECT_EQ(owner_key_of(r), untagged_owner_key("ctr"));  // the reference's
  r.tag = "t";
  EXPECT_EQ(owner_key_of(r), tagged_owner_key("t"));  // ours
}

MasqAttachment owner(const char* id, const char* network = "net") {
  return {.network = network, .container_id = id, .ifname = "eth0"};
}

HostportPlan plan(const char* container, std::vector<PortMapping> mappings) {
  return HostportPlan{.container = *net::Prefix::parse(container), .mappings = std::move(mappings)};
}

PortMapping tcp(std::uint16_t host, const char* host_ip = nullptr) {
  PortMapping m{.proto = IPPROTO_TCP, .host_port = host, .container_port = 80};
  if (host_ip) m.host_ip = net::IpAddress::parse(host_ip);
  return m;
}

class RootHostportIndex : public test::RootNftNetns {
 protected:
  std::string nft(const std::string& script) {
    const std::string file = "/tmp/cni-hostport-index-test-" + ns_->name() + ".nft";
    std::ofstream(file) << script;
    int status = 0;
    auto out = test::capture("ip netns exec " + ns_->name() + " nft -f " + file, &status);
    std::remove(file.c_str());
    return status == 0 ? out : "nft failed: " + out;
  }
  std::string list(const std::string& what) {
    return test::capture("ip netns exec " + ns_->name() + " nft list " + what);
  }
  bool published(std::uint16_t port) {
    return in_ns([&] {
      Socket sock;
      return set_has_element(sock, hostport_index_set(net::Family::V4, kPublishedPortsSet),
                             published_port_key(IPPROTO_TCP, port));
    });
  }
  bool attached(const MasqAttachment& a) {
    return in_ns([&] {
      Socket sock;
      return set_has_element(sock, hostport_index_set(net::Family::V4, kAttachmentsSet),
                             tagged_owner_key(masq_instance_hash(a)));
    });
  }
  std::optional<HostportConflict> add(const MasqAttachment& a, const HostportPlan& p) {
    return in_ns([&] { return setup_hostports(a, {p}); });
  }
  void del(const MasqAttachment& a) {
    in_ns([&] { teardown_hostports(a); });
  }
  // What the reference's ADD sends (portmap_nftables.go): the table, the chains, the entry
  // chains flushed and rewritten, and the container's rules with its ID as comment.
  std::string reference_add(std::uint16_t port, const char* container_id) {
    const std::string t = "ip cni_hostport ";
    return nft("add table " + t + "\nadd chain " + t + "hostports\nadd chain " + t +
               "hostip_hostports\nadd chain " + t + "hostports_all\nflush chain " + t +
               "hostports_all\nadd rule " + t + "hostports_all jump hostip_hostports\n" +
               "add rule " + t + "hostports_all jump hostports\n" + "add chain " + t +
               "prerouting { type nat hook prerouting priority -100 ; }\nflush chain " + t +
               "prerouting\nadd rule " + t +
               "prerouting fib daddr type local jump hostports_all\n" + "add chain " + t +
               "output { type nat hook output priority -100 ; }\nflush chain " + t +
               "output\nadd rule " + t + "output fib daddr type local jump hostports_all\n" +
               "add rule " + t + "hostports tcp dport " + std::to_string(port) +
               " dnat to 10.0.0.99:80 comment \"" + container_id + "\"\n");
  }
};

TEST_F(RootHostportIndex, AddAndDelKeepItExact) {
  const auto a = owner("ctr-a");
  const auto b = owner("ctr-b");
  ASSERT_FALSE(add(a, plan("10.0.0.2/24", {tcp(8080), tcp(9000, "192.168.0.2")})));
  // Another host IP on the same port: allowed (found in the index, decided on the rules).
  ASSERT_FALSE(add(b, plan("10.0.0.3/24", {tcp(8081), tcp(9000, "192.168.0.3")})));
  EXPECT_TRUE(published(8080) && published(8081) && published(9000));
  EXPECT_TRUE(attached(a) && attached(b));
  const std::string set = list("set ip cni_hostport published_ports");
  EXPECT_NE(set.find("tcp . 8080"), std::string::npos) << set;
  EXPECT_NE(set.find("type inet_proto . inet_service"), std::string::npos) << set;

  del(a);
  EXPECT_FALSE(published(8080));
  EXPECT_TRUE(published(9000));  // b still publishes it
  EXPECT_FALSE(attached(a));
  EXPECT_TRUE(attached(b));
  del(a);  // again: nothing left to change
  del(b);
  EXPECT_FALSE(published(8081) || published(9000) || attached(b));
}

TEST_F(RootHostportIndex, ReAddReplacesTheAttachmentsRules) {
  const auto a = owner("ctr-a");
  ASSERT_FALSE(add(a, plan("10.0.0.2/24", {tcp(8080)})));
  // Its own earlier rules are found through the index (the runtime should have sent a DEL).
  ASSERT_FALSE(add(a, plan("10.0.0.2/24", {tcp(8090)})));
  const std::string rules = list("chain ip cni_hostport hostports");
  EXPECT_EQ(rules.find("dport 8080"), std::string::npos) << rules;
  EXPECT_NE(rules.find("dport 8090"), std::string::npos) << rules;
}

TEST_F(RootHostportIndex, TheReferencesAddIsNoticedAndIndexed) {
  ASSERT_FALSE(add(owner("ctr-a"), plan("10.0.0.2/24", {tcp(8080)})));
  ASSERT_EQ(reference_add(7000, "upctr"), "");
  EXPECT_FALSE(published(7000));  // the reference does not know the index
  // Our next ADD sees the rewritten entry chains, lists the rules and refuses the port ...
  const auto conflict = add(owner("ctr-b"), plan("10.0.0.3/24", {tcp(7000)}));
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->container_id, "upctr");
  // ... and an ADD that succeeds rebuilds the index with the reference's rule in it.
  ASSERT_FALSE(add(owner("ctr-b"), plan("10.0.0.3/24", {tcp(7001)})));
  EXPECT_TRUE(published(7000) && published(7001) && published(8080));
  const auto again = add(owner("ctr-c"), plan("10.0.0.4/24", {tcp(7000)}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->container_id, "upctr");
}

// A rule written by hand into hostports, with the entry chains left as we wrote them, is not in
// the index: an ADD trusts the index and does not list the rules (documented in the README).
TEST_F(RootHostportIndex, AnAddThatTrustsTheIndexListsNoRules) {
  ASSERT_FALSE(add(owner("ctr-a"), plan("10.0.0.2/24", {tcp(8080)})));
  ASSERT_EQ(nft("add rule ip cni_hostport hostports tcp dport 7100 dnat to 10.0.0.99:80 "
                "comment \"byhand\"\n"),
            "");
  EXPECT_FALSE(add(owner("ctr-b"), plan("10.0.0.3/24", {tcp(7100)})));
  // A saved and restored ruleset loses our tags: the next ADD rebuilds and sees both.
  const std::string saved = list("ruleset");
  ASSERT_EQ(nft("flush ruleset\n" + saved), "");
  const auto conflict = add(owner("ctr-c"), plan("10.0.0.4/24", {tcp(7100)}));
  ASSERT_TRUE(conflict);
}

// The reference's DEL removes our rules and leaves their elements: they only send the next ADD
// of that port through the listing, which finds no rule and publishes it.
TEST_F(RootHostportIndex, StaleElementsOnlySlowAnAdd) {
  ASSERT_FALSE(add(owner("ctr-a"), plan("10.0.0.2/24", {tcp(8080)})));
  const std::string h = test::capture(
      "ip netns exec " + ns_->name() +
      " nft -j -a list chain ip cni_hostport hostports | jq -r '.nftables[] | select(.rule) | "
      ".rule.handle'");
  ASSERT_FALSE(h.empty());
  ASSERT_EQ(nft("delete rule ip cni_hostport hostports handle " + h), "");
  EXPECT_TRUE(published(8080));
  EXPECT_FALSE(add(owner("ctr-b"), plan("10.0.0.3/24", {tcp(8080)})));
  del(owner("ctr-b"));
  EXPECT_FALSE(published(8080));
}

TEST_F(RootHostportIndex, ALostSetIsRebuilt) {
  ASSERT_FALSE(add(owner("ctr-a"), plan("10.0.0.2/24", {tcp(8080)})));
  ASSERT_EQ(nft("delete set ip cni_hostport published_ports\n"), "");
  ASSERT_FALSE(add(owner("ctr-b"), plan("10.0.0.3/24", {tcp(8081)})));
  EXPECT_TRUE(published(8080) && published(8081));
  EXPECT_TRUE(add(owner("ctr-c"), plan("10.0.0.4/24", {tcp(8080)})));
}

// CHECK reports an element the trusted index lacks (an emptied set would hide conflicts).
TEST_F(RootHostportIndex, CheckWantsTheAttachmentsElements) {
  const auto a = owner("ctr-a");
  const auto p = plan("10.0.0.2/24", {tcp(8080)});
  ASSERT_FALSE(add(a, p));
  EXPECT_EQ(in_ns([&] { return hostports_missing(a, {p}); }), std::nullopt);
  ASSERT_EQ(nft("flush set ip cni_hostport published_ports\n"), "");
  EXPECT_EQ(in_ns([&] { return hostports_missing(a, {p}); }),
            "ip cni_hostport set published_ports lacks element tcp . 8080");
  ASSERT_EQ(nft("add element ip cni_hostport published_ports { tcp . 8080 }\n"
                "flush set ip cni_hostport attachments\n"),
            "");
  EXPECT_EQ(in_ns([&] { return hostports_missing(a, {p}); }),
            "ip cni_hostport set attachments lacks this attachment's element");
}

TEST_F(RootHostportIndex, GcForgetsTheRemovedAttachments) {
  const auto a = owner("ctr-a");
  const auto b = owner("ctr-b");
  ASSERT_FALSE(add(a, plan("10.0.0.2/24", {tcp(8080)})));
  ASSERT_FALSE(add(b, plan("10.0.0.3/24", {tcp(8081)})));
  in_ns([&] { gc_hostports("net", {{"ctr-b", "eth0"}}); });
  EXPECT_FALSE(published(8080) || attached(a));
  EXPECT_TRUE(published(8081) && attached(b));
}

}  // namespace
}  // namespace cni::nft

// libFuzzer target: the owner of a reference iptables masquerade rule, read from a rule comment
// in the kernel (anyone with CAP_NET_ADMIN can write one). Input: "network\ncomment".
// Properties: nothing throws; an ID is read only from exactly the comment that
// iptables_masq_comment(network, id) writes, and holds no quote or backslash; the chain name
// of any (network, id) has the reference's shape.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "nft/iptables_masq_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [network, comment] = cni::fuzz::split_first_line(data, size);
  const auto id = cni::nft::iptables_masq_comment_id(comment, network);
  if (id) {
    if (id->empty() || id->find_first_of("\"\\") != std::string::npos)
      cni::fuzz::finding("an ID with a quote or backslash, or empty, was read", comment);
    if (cni::nft::iptables_masq_comment(network, *id) != comment)
      cni::fuzz::finding("the ID read does not give the comment back", comment);
  }
  const std::string chain = cni::nft::iptables_masq_chain(network, comment);
  if (chain.size() != 28 || !chain.starts_with("CNI-") ||
      chain.find_first_not_of("0123456789abcdef", 4) != std::string::npos)
    cni::fuzz::finding("a chain name of the wrong shape", chain);
  return 0;
}

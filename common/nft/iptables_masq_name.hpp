#pragma once

// The names the reference plugins up to v1.5 (Debian 12 ships 1.1.1) give an attachment's
// iptables masquerade rules (pkg/ip/ipmasq_linux.go, pkg/utils/utils.go), in table nat of
// iptables and of ip6tables:
//
//   -A POSTROUTING -s <ip> -m comment --comment "<comment>" -j <chain>
//   -A <chain> -d <subnet> -m comment --comment "<comment>" -j ACCEPT
//   -A <chain> ! -d 224.0.0.0/4 -m comment --comment "<comment>" -j MASQUERADE
//
//   chain   = "CNI-" + the first 24 hex digits of SHA-512(network + containerID)
//             (utils.FormatChainName: 28 characters; the ifname is not part of it)
//   comment = `name: "<network>" id: "<containerID>"` (utils.FormatComment, Go's %q)
//
// Pure: nothing here talks to the kernel.

#include <optional>
#include <string>
#include <string_view>

namespace cni::nft {

/// utils.FormatChainName(network, container_id): "CNI-" + 24 hex digits.
std::string iptables_masq_chain(std::string_view network, std::string_view container_id);

/// utils.FormatComment(network, container_id): `name: "<network>" id: "<container_id>"`.
std::string iptables_masq_comment(std::string_view network, std::string_view container_id);

/// The container ID of a comment iptables_masq_comment(network, id) wrote for `network`: the
/// `id` that gives `comment` back exactly; nullopt for any other text (another network,
/// another shape, an ID that would need escapes).
std::optional<std::string> iptables_masq_comment_id(std::string_view comment,
                                                    std::string_view network);

}  // namespace cni::nft

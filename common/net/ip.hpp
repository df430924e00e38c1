#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cni::net {

enum class Family { V4, V6 };

/// An IPv4 or IPv6 address as a value. Pure: no syscalls.
class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v6(std::array<std::uint8_t, 16> b);

  /// Dotted quad or RFC 4291 text; nullopt on anything else (leading zeros, zone ids, spaces).
  static std::optional<IpAddress> parse(std::string_view s);

  Family family() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == Family::V4; }
  /// 32 or 128.
  int bit_length() const noexcept { return is_v4() ? 32 : 128; }
  /// Network-order bytes; only the first 4 are meaningful for IPv4.
  const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  std::size_t byte_length() const noexcept { return is_v4() ? 4 : 16; }

  /// Canonical text (RFC 5952 for IPv6, as Go's net.IP.String()).
  std::string to_string() const;

  bool is_loopback() const noexcept;
  bool is_unspecified() const noexcept;

  /// The address plus/minus one, wrapping around within the family.
  IpAddress next() const noexcept;
  IpAddress prev() const noexcept;

  /// Orders IPv4 before IPv6, then by bytes.
  // clang-tidy 14 sees a literal 0 in the defaulted comparison.
  auto operator<=>(const IpAddress&) const = default;  // NOLINT(modernize-use-nullptr)

 private:
  Family family_ = Family::V4;
  std::array<std::uint8_t, 16> bytes_{};
};

/// An address with a prefix length, as CNI's "10.1.0.5/16": the address keeps its host bits
/// (Go's net.IPNet in results keeps the container's address, not the network).
class Prefix {
 public:
  Prefix() = default;
  Prefix(IpAddress addr, int len);

  /// "addr/len"; nullopt on a missing or out-of-range length or a bad address.
  static std::optional<Prefix> parse(std::string_view s);

  const IpAddress& address() const noexcept { return addr_; }
  int length() const noexcept { return len_; }
  Family family() const noexcept { return addr_.family(); }

  /// The prefix with host bits cleared ("10.1.0.0/16").
  Prefix network() const noexcept;
  /// Whether the host bits of address() are all zero.
  bool is_network() const noexcept { return network().address() == addr_; }
  bool contains(const IpAddress& a) const noexcept;
  /// Whether the two prefixes share any address.
  bool overlaps(const Prefix& other) const noexcept;
  /// Last address of the prefix (the IPv4 broadcast address).
  IpAddress last() const noexcept;

  /// "10.1.0.5/16".
  std::string to_string() const;

  auto operator<=>(const Prefix&) const = default;  // NOLINT(modernize-use-nullptr): as above

 private:
  IpAddress addr_;
  int len_ = 0;
};

}  // namespace cni::net

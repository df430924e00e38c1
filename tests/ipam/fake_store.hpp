#pragma once

#include <functional>
#include <map>

#include "store.hpp"

namespace cni::ipam::test {

/// An in-memory Store for the allocator tests. `fail_reserve` (when set) is called before each
/// reservation and may throw to simulate an I/O failure.
class FakeStore final : public Store {
 public:
  std::map<net::IpAddress, Owner> held;
  std::map<std::size_t, net::IpAddress> last;
  std::function<void(const net::IpAddress&)> fail_reserve;
  int reserve_calls = 0;

  bool reserve(const net::IpAddress& ip, const Attachment& who, std::size_t set) override {
    ++reserve_calls;
    if (fail_reserve) fail_reserve(ip);
    if (held.count(ip)) return false;
    held[ip] = Owner::pair(who);
    last[set] = ip;
    return true;
  }
  bool release(const net::IpAddress& ip, const Owner& owner) override {
    auto it = held.find(ip);
    if (it == held.end() || it->second != owner) return false;
    held.erase(it);
    return true;
  }
  std::vector<net::IpAddress> find_by_attachment(const Attachment& who) override {
    return matching(Owner::pair(who));
  }
  std::vector<net::IpAddress> find_legacy(const std::string& id) override {
    return matching(Owner::legacy(id));
  }
  std::optional<net::IpAddress> last_reserved(std::size_t set) override {
    auto it = last.find(set);
    if (it == last.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Reservation> all() override {
    std::vector<Reservation> out;
    for (const auto& [ip, o] : held)
      out.push_back({ip, o});
    return out;
  }
  std::vector<net::IpAddress> reserved_addresses() override {
    std::vector<net::IpAddress> out;
    for (const auto& [ip, o] : held)
      out.push_back(ip);
    return out;
  }

 private:
  std::vector<net::IpAddress> matching(const Owner& o) const {
    std::vector<net::IpAddress> out;
    for (const auto& [ip, h] : held) {
      if (h == o) out.push_back(ip);
    }
    return out;
  }
};

inline net::IpAddress ip(const char* s) {
  return *net::IpAddress::parse(s);
}

}  // namespace cni::ipam::test

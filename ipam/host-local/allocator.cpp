#include "allocator.hpp"

#include <spdlog/spdlog.h>

#include "sys/fault.hpp"

namespace cni::ipam {

namespace {

struct Allocated {
  net::IpAddress ip;
  const Range* range;
};

Allocated allocate_in_set(const RangeSet& set, std::size_t index, const RequestedIp* requested,
                          Store& store, const Attachment& who,
                          const std::vector<Reservation>& held) {
  // One address per set and attachment (the spec forbids a second ADD without DEL).
  for (const auto& h : held) {
    if (set.contains(h.ip)) {
      throw Error(Code::Ipam, h.ip.to_string() + " has been allocated to " + who.container_id +
                                  ", duplicate allocation is not allowed");
    }
  }
  if (requested) {
    const Range* range = set.range_for(requested->ip);
    if (!range || range->is_skipped(requested->ip)) {
      throw Error(Code::InvalidConfig, requested->source + ": requested address " +
                                           requested->ip.to_string() + " cannot be allocated");
    }
    if (!store.reserve(requested->ip, who, index)) {
      throw Error(Code::Ipam, "requested IP address " + requested->ip.to_string() +
                                  " is not available in range set " + set.to_string());
    }
    return {requested->ip, range};
  }
  RangeIter iter(set, store.last_reserved(index));
  while (auto c = iter.next()) {
    if (store.reserve(c->ip, who, index)) return {c->ip, c->range};
  }
  throw Error(Code::Exhausted, "no IP addresses available in range set: " + set.to_string());
}

}  // namespace

std::vector<Reservation> held_by(Store& store, const Attachment& who) {
  std::vector<Reservation> out;
  for (const auto& ip : store.find_by_attachment(who))
    out.push_back({ip, Owner::pair(who)});
  if (out.empty()) {
    for (const auto& ip : store.find_legacy(who.container_id)) {
      out.push_back({ip, Owner::legacy(who.container_id)});
    }
  }
  return out;
}

std::vector<IpConfig> allocate(const std::vector<RangeSet>& sets,
                               const std::vector<RequestedIp>& requested, Store& store,
                               const Attachment& who) {
  // Which requested address goes to which set: the first one the set contains.
  std::vector<const RequestedIp*> wanted(sets.size(), nullptr);
  for (const auto& r : requested) {
    std::size_t i = 0;
    while (i < sets.size() && (wanted[i] || !sets[i].contains(r.ip)))
      ++i;
    if (i == sets.size()) {
      throw Error(Code::InvalidConfig, "failed to allocate all requested IPs: " + r.ip.to_string());
    }
    wanted[i] = &r;
  }

  // The reference also counts legacy ID-only files of the container as held (GetByID).
  std::vector<Reservation> held;
  for (const auto& ip : store.find_by_attachment(who))
    held.push_back({ip, Owner::pair(who)});
  for (const auto& ip : store.find_legacy(who.container_id)) {
    held.push_back({ip, Owner::legacy(who.container_id)});
  }

  std::vector<IpConfig> out;
  std::vector<net::IpAddress> reserved;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    try {
      auto a = allocate_in_set(sets[i], i, wanted[i], store, who, held);
      reserved.push_back(a.ip);
      fault::point("host-local.after_reserve");
      out.push_back({net::Prefix(a.ip, a.range->subnet.length()), a.range->gateway, std::nullopt});
    } catch (const Error& e) {
      // Undo this call's reservations (only those: never an earlier ADD's).
      for (const auto& ip : reserved) {
        try {
          store.release(ip, Owner::pair(who));
        } catch (const std::exception& undo) {
          spdlog::error("host-local: could not release {} after a failed ADD: {}", ip.to_string(),
                        undo.what());
        }
      }
      throw e.wrap("failed to allocate for range " + std::to_string(i));
    }
  }
  return out;
}

std::vector<net::IpAddress> release_attachment(Store& store, const Attachment& who,
                                               ErrorList& errors) {
  std::vector<net::IpAddress> released;
  std::vector<Reservation> held;
  try {
    held = held_by(store, who);
  } catch (const Error& e) {
    errors.add(e);
    return released;
  }
  for (const auto& r : held) {
    try {
      if (store.release(r.ip, r.owner)) released.push_back(r.ip);
    } catch (const Error& e) {
      errors.add(e);
    }
  }
  return released;
}

}  // namespace cni::ipam

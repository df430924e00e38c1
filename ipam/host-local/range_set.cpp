#include "range_set.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cni/error.hpp"

namespace cni::ipam {

const Range* RangeSet::range_for(const net::IpAddress& a) const noexcept {
  for (const auto& r : ranges) {
    if (r.contains(a)) return &r;
  }
  return nullptr;
}

bool RangeSet::overlaps(const RangeSet& other) const noexcept {
  for (const auto& a : ranges) {
    for (const auto& b : other.ranges) {
      if (a.overlaps(b)) return true;
    }
  }
  return false;
}

u128 RangeSet::free_count(const std::vector<net::IpAddress>& reserved) const {
  u128 total = 0;
  for (const auto& r : ranges) {
    u128 n = r.size();
    auto lo = std::lower_bound(reserved.begin(), reserved.end(), r.start);
    auto hi = std::upper_bound(reserved.begin(), reserved.end(), r.end);
    for (auto it = lo; it != hi; ++it) {
      // A reservation of a skipped address (left over from another config) is already
      // excluded from size().
      if (n > 0 && r.contains(*it) && !r.is_skipped(*it)) --n;
    }
    total = (~u128{0} - total < n) ? ~u128{0} : total + n;
  }
  return total;
}

std::string RangeSet::to_string() const {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ",";
    out += r.to_string();
  }
  return out;
}

RangeSet parse_range_set(const nlohmann::json& j, const std::string& field) {
  if (!j.is_array()) throw Error(Code::DecodingFailure, field + ": must be a list of ranges");
  if (j.empty()) throw Error(Code::InvalidConfig, field + ": empty range set");
  RangeSet set;
  set.field = field;
  for (std::size_t i = 0; i < j.size(); ++i) {
    set.ranges.push_back(parse_range(j[i], field + "[" + std::to_string(i) + "]"));
    if (set.ranges.back().subnet.family() != set.ranges.front().subnet.family()) {
      throw Error(Code::InvalidConfig, field + ": mixed address families (" +
                                           set.ranges.front().subnet.to_string() + " and " +
                                           set.ranges.back().subnet.to_string() + ")");
    }
  }
  for (std::size_t a = 0; a < set.ranges.size(); ++a) {
    for (std::size_t b = a + 1; b < set.ranges.size(); ++b) {
      if (set.ranges[a].overlaps(set.ranges[b])) {
        throw Error(Code::InvalidConfig, field + ": subnets " + set.ranges[a].to_string() +
                                             " and " + set.ranges[b].to_string() + " overlap");
      }
    }
  }
  return set;
}

RangeIter::RangeIter(const RangeSet& set, const std::optional<net::IpAddress>& last_reserved)
    : set_(set) {
  if (!last_reserved) return;
  for (std::size_t i = 0; i < set_.ranges.size(); ++i) {
    if (set_.ranges[i].contains(*last_reserved)) {
      index_ = i;
      cur_ = *last_reserved;  // the first next() moves past it
      return;
    }
  }
}

std::optional<RangeIter::Candidate> RangeIter::next() {
  while (!done_) {
    const Range* r = &set_.ranges[index_];
    if (!cur_) {
      cur_ = r->start;
      first_ = cur_;
    } else {
      if (*cur_ == r->end) {
        index_ = (index_ + 1) % set_.ranges.size();
        r = &set_.ranges[index_];
        cur_ = r->start;
      } else {
        cur_ = cur_->next();
      }
      if (!first_) {
        first_ = cur_;
      } else if (*cur_ == *first_) {
        done_ = true;  // back where we began: every address was offered
        break;
      }
    }
    if (r->is_skipped(*cur_)) continue;
    return Candidate{*cur_, r};
  }
  return std::nullopt;
}

}  // namespace cni::ipam

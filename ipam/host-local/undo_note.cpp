#include "undo_note.hpp"

#include <nlohmann/json.hpp>

namespace cni::ipam {

using nlohmann::json;

namespace {
constexpr std::size_t kMaxSets = 1024;
constexpr std::size_t kMaxText = 4096;
}  // namespace

std::string UndoNote::to_json() const {
  json j = {{"v", 1}, {"netDir", net_dir_created}, {"indexTop", index_top_created}};
  json sets_json = json::array();
  for (const auto& s : sets) {
    sets_json.push_back(
        {{"last", s.last_before ? json(*s.last_before) : json(nullptr)}, {"ip", s.reserved}});
  }
  j["sets"] = std::move(sets_json);
  return j.dump();
}

std::optional<UndoNote> UndoNote::parse(std::string_view text) {
  if (text.size() > kMaxText * 4) return std::nullopt;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("v", 0) != 1) return std::nullopt;
  auto net_dir = j.find("netDir");
  auto index_top = j.find("indexTop");
  auto sets = j.find("sets");
  if (net_dir == j.end() || !net_dir->is_boolean() || index_top == j.end() ||
      !index_top->is_boolean() || sets == j.end() || !sets->is_array() || sets->size() > kMaxSets) {
    return std::nullopt;
  }
  UndoNote n;
  n.net_dir_created = net_dir->get<bool>();
  n.index_top_created = index_top->get<bool>();
  for (const auto& s : *sets) {
    if (!s.is_object()) return std::nullopt;
    auto last = s.find("last");
    auto ip = s.find("ip");
    if (last == s.end() || ip == s.end() || !ip->is_string() ||
        !(last->is_null() || last->is_string())) {
      return std::nullopt;
    }
    Set set;
    if (last->is_string()) set.last_before = last->get<std::string>();
    set.reserved = ip->get<std::string>();
    if (set.reserved.size() > kMaxText || (set.last_before && set.last_before->size() > kMaxText))
      return std::nullopt;
    n.sets.push_back(std::move(set));
  }
  return n;
}

}  // namespace cni::ipam

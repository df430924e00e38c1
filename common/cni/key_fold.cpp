#include "cni/key_fold.hpp"

#include <string>
#include <unordered_map>

namespace cni {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

bool is_map_shape(const json& shape) {
  return shape.is_object() && shape.size() == 1 && shape.contains("*");
}

json fold(const ordered_json& v, const json& shape);

// Go decodes a repeated field into the value it already holds: objects merge, the rest is
// replaced.
void assign(json& slot, json value, const json& shape) {
  if (shape.is_object() && slot.is_object() && value.is_object()) {
    for (auto& [k, sub] : value.items()) {
      const json& sub_shape = is_map_shape(shape) ? shape["*"]
                              : shape.contains(k) ? shape[k]
                                                  : json();
      if (slot.contains(k)) {
        assign(slot[k], std::move(sub), sub_shape);
      } else {
        slot[k] = std::move(sub);
      }
    }
    return;
  }
  slot = std::move(value);
}

json fold_struct(const ordered_json& obj, const json& shape) {
  // Field lookup: exact name first, then by folded name.
  std::unordered_map<std::string, std::string> by_fold;
  for (const auto& [field, _] : shape.items())
    by_fold.emplace(go_fold(field), field);
  json out = json::object();
  for (const auto& [key, value] : obj.items()) {
    std::string field = key;
    if (!shape.contains(key)) {
      auto it = by_fold.find(go_fold(key));
      if (it == by_fold.end()) {
        // Not a field: the reference ignores it; kept as written for whoever reads it whole.
        out[key] = json(value);
        continue;
      }
      field = it->second;
    }
    const json& sub = shape[field];
    if (out.contains(field)) {
      assign(out[field], fold(value, sub), sub);
    } else {
      out[field] = fold(value, sub);
    }
  }
  return out;
}

json fold(const ordered_json& v, const json& shape) {
  if (shape.is_null()) return json(v);
  if (shape.is_array() && v.is_array() && !shape.empty()) {
    json out = json::array();
    for (const auto& e : v)
      out.push_back(fold(e, shape[0]));
    return out;
  }
  if (shape.is_object() && v.is_object()) {
    if (is_map_shape(shape)) {
      json out = json::object();
      for (const auto& [key, value] : v.items())
        out[key] = fold(value, shape["*"]);
      return out;
    }
    return fold_struct(v, shape);
  }
  return json(v);  // not of the expected type: the plugin's reader reports it
}

}  // namespace

std::string go_fold(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - ('a' - 'A'));
    } else if (key.substr(i, 3) == "\xE2\x84\xAA") {  // U+212A KELVIN SIGN
      out += 'K';
      i += 2;
    } else if (key.substr(i, 2) == "\xC5\xBF") {  // U+017F LATIN SMALL LETTER LONG S
      out += 'S';
      i += 1;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

json fold_keys(const ordered_json& doc, const json& shape) {
  return fold(doc, shape);
}

json merge_shapes(json a, const json& b) {
  if (!a.is_object() || !b.is_object() || is_map_shape(a) || is_map_shape(b)) {
    return b.is_null() ? a : b;
  }
  for (const auto& [k, v] : b.items()) {
    if (a.contains(k)) {
      a[k] = merge_shapes(a[k], v);
    } else {
      a[k] = v;
    }
  }
  return a;
}

json parse_shape(std::string_view text) {
  if (text.empty()) return json::object();
  return json::parse(text);
}

}  // namespace cni

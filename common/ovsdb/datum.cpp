#include "ovsdb/datum.hpp"

#include "cni/error.hpp"

namespace cni::ovsdb {

namespace {
[[noreturn]] void bad(const std::string& what, const json& got) {
  std::string text = got.dump();
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  throw Error(Code::Ovsdb, "ovsdb: unexpected " + what + ": " + text);
}

bool is_pair(const json& v, const char* tag) {
  return v.is_array() && v.size() == 2 && v[0].is_string() &&
         v[0].get_ref<const std::string&>() == tag;
}

std::string str_of(const json& v, const std::string& what) {
  if (!v.is_string()) bad(what, v);
  return v.get<std::string>();
}
}  // namespace

json make_map(const std::map<std::string, std::string>& m) {
  json pairs = json::array();
  for (const auto& [k, v] : m)
    pairs.push_back(json::array({k, v}));
  return json::array({"map", pairs});
}

json make_set(const std::vector<json>& atoms) {
  return json::array({"set", json(atoms)});
}

json uuid_ref(const std::string& id) {
  return json::array({"uuid", id});
}

json named_uuid(const std::string& name) {
  return json::array({"named-uuid", name});
}

std::vector<json> set_elements(const json& datum, const std::string& what) {
  if (is_pair(datum, "set")) {
    if (!datum[1].is_array()) bad(what, datum);
    return datum[1].get<std::vector<json>>();
  }
  if (datum.is_array() && !is_pair(datum, "uuid") && !is_pair(datum, "named-uuid"))
    bad(what, datum);
  if (datum.is_object() || datum.is_null()) bad(what, datum);
  return {datum};
}

std::map<std::string, std::string> map_strings(const json& datum, const std::string& what) {
  if (!is_pair(datum, "map") || !datum[1].is_array()) bad(what, datum);
  std::map<std::string, std::string> out;
  for (const auto& kv : datum[1]) {
    if (!kv.is_array() || kv.size() != 2) bad(what, datum);
    out[str_of(kv[0], what)] = str_of(kv[1], what);
  }
  return out;
}

std::string uuid_of(const json& datum, const std::string& what) {
  if (!is_pair(datum, "uuid")) bad(what, datum);
  return str_of(datum[1], what);
}

std::optional<long long> optional_int(const json& datum, const std::string& what) {
  auto elems = set_elements(datum, what);
  if (elems.empty()) return std::nullopt;
  if (elems.size() != 1 || !elems[0].is_number_integer()) bad(what, datum);
  return elems[0].get<long long>();
}

std::vector<long long> int_set(const json& datum, const std::string& what) {
  std::vector<long long> out;
  for (const auto& e : set_elements(datum, what)) {
    if (!e.is_number_integer()) bad(what, datum);
    out.push_back(e.get<long long>());
  }
  return out;
}

std::vector<json> check_transact_result(const json& ops, const json& result) {
  if (!result.is_array()) bad("transact result", result);
  const std::size_t n_ops = ops.is_array() ? ops.size() : 0;
  for (std::size_t i = 0; i < result.size(); ++i) {
    const json& r = result[i];
    if (r.is_null()) continue;
    if (!r.is_object()) bad("transact result element", r);
    auto err = r.find("error");
    if (err == r.end() || err->is_null()) continue;
    std::string msg = "ovsdb: ";
    if (i < n_ops && ops[i].is_object()) {
      const json& op = ops[i];
      msg += op.value("op", std::string("?")) + " on " + op.value("table", std::string("?")) +
             " (operation " + std::to_string(i) + ")";
    } else {
      msg += "transaction commit";
    }
    msg += ": " + (err->is_string() ? err->get<std::string>() : err->dump());
    if (auto d = r.find("details");
        d != r.end() && d->is_string() && !d->get_ref<const std::string&>().empty())
      msg += ": " + d->get<std::string>();
    throw Error(Code::Ovsdb, msg);
  }
  if (result.size() < n_ops) bad("transact result (fewer results than operations)", result);
  // Without an error, every operation ran: a null (not attempted) there is a broken reply, and
  // callers read each element as an object.
  for (std::size_t i = 0; i < n_ops; ++i) {
    if (!result[i].is_object()) bad("transact result element (no error reported)", result[i]);
  }
  return result.get<std::vector<json>>();
}

}  // namespace cni::ovsdb

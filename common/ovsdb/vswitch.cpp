#include "ovsdb/vswitch.hpp"

#include "cni/error.hpp"
#include "ovsdb/datum.hpp"

namespace cni::ovsdb {

namespace {
json where_name(const std::string& name) {
  return json::array({json::array({"name", "==", name})});
}

const json& column(const json& row, const char* name, const std::string& table) {
  auto it = row.find(name);
  if (it == row.end()) {
    throw Error(Code::Ovsdb, std::string("ovsdb: ") + table + " row without column " + name);
  }
  return *it;
}

std::string string_column(const json& row, const char* name, const std::string& table) {
  const json& v = column(row, name, table);
  if (v.is_string()) return v.get<std::string>();
  auto elems = set_elements(v, table + "." + name);  // an optional string: ["set",[]]
  if (elems.empty()) return {};
  if (elems.size() != 1 || !elems[0].is_string()) {
    throw Error(Code::Ovsdb, "ovsdb: unexpected " + table + "." + name + ": " + v.dump());
  }
  return elems[0].get<std::string>();
}

const json& rows_of(const json& select_result, const std::string& table) {
  if (!select_result.is_object() || !select_result.contains("rows") ||
      !select_result["rows"].is_array()) {
    throw Error(Code::Ovsdb, "ovsdb: select on " + table + " returned no rows array");
  }
  return select_result["rows"];
}

InterfaceRow interface_from(const json& row) {
  InterfaceRow r;
  r.uuid = uuid_of(column(row, "_uuid", "Interface"), "Interface._uuid");
  r.name = string_column(row, "name", "Interface");
  r.error = string_column(row, "error", "Interface");
  r.ofport = optional_int(column(row, "ofport", "Interface"), "Interface.ofport");
  return r;
}

json select_op(const char* table, json where, std::vector<std::string> columns) {
  return json{
      {"op", "select"}, {"table", table}, {"where", std::move(where)}, {"columns", columns}};
}
}  // namespace

std::optional<BridgeRow> find_bridge(Client& c, const std::string& name) {
  json ops =
      json::array({select_op("Bridge", where_name(name), {"_uuid", "name", "datapath_type"})});
  auto res = c.transact(kDatabase, ops);
  const json& rows = rows_of(res.at(0), "Bridge");
  if (rows.empty()) return std::nullopt;
  BridgeRow b;
  b.uuid = uuid_of(column(rows[0], "_uuid", "Bridge"), "Bridge._uuid");
  b.name = string_column(rows[0], "name", "Bridge");
  b.datapath_type = string_column(rows[0], "datapath_type", "Bridge");
  return b;
}

json add_port_ops(const PortSpec& spec) {
  json iface = {{"name", spec.name}};
  if (!spec.interface_type.empty()) iface["type"] = spec.interface_type;
  if (spec.ofport_request) iface["ofport_request"] = *spec.ofport_request;
  json port = {{"name", spec.name},
               {"interfaces", named_uuid("iface")},
               {"external_ids", make_map(spec.external_ids)}};
  if (spec.vlan) {
    port["vlan_mode"] = "access";
    if (*spec.vlan != 0) port["tag"] = *spec.vlan;
  } else if (spec.trunks) {
    port["vlan_mode"] = "trunk";
    std::vector<json> t(spec.trunks->begin(), spec.trunks->end());
    port["trunks"] = make_set(t);
  }
  return json::array({
      // The guard: the bridge exists now (else "timed out" and nothing is written).
      {{"op", "wait"},
       {"table", "Bridge"},
       {"where", where_name(spec.bridge)},
       {"columns", {"name"}},
       {"until", "=="},
       {"rows", json::array({{{"name", spec.bridge}}})},
       {"timeout", 0}},
      {{"op", "insert"}, {"table", "Interface"}, {"uuid-name", "iface"}, {"row", iface}},
      {{"op", "insert"}, {"table", "Port"}, {"uuid-name", "port"}, {"row", port}},
      {{"op", "mutate"},
       {"table", "Bridge"},
       {"where", where_name(spec.bridge)},
       {"mutations",
        json::array({json::array({"ports", "insert", make_set({named_uuid("port")})})})}},
      {{"op", "mutate"},
       {"table", "Open_vSwitch"},
       {"where", json::array()},
       {"mutations", json::array({json::array({"next_cfg", "+=", 1})})}},
      select_op("Open_vSwitch", json::array(), {"next_cfg"}),
  });
}

AddedPort add_port(Client& c, const PortSpec& spec) {
  const json ops = add_port_ops(spec);
  auto res = c.transact(kDatabase, ops);
  AddedPort out;
  const auto uuid = res.at(2).find("uuid");
  out.port_uuid = uuid_of(uuid == res.at(2).end() ? json() : *uuid, "Port uuid");
  const auto count = res.at(3).find("count");
  if (count == res.at(3).end() || !count->is_number_integer() || count->get<long long>() != 1) {
    throw Error(Code::Ovsdb, "ovsdb: bridge " + spec.bridge + " vanished during the transaction");
  }
  const json& rows = rows_of(res.at(5), "Open_vSwitch");
  if (!rows.empty()) {
    const json& v = column(rows[0], "next_cfg", "Open_vSwitch");
    if (v.is_number_integer()) out.next_cfg = v.get<long long>();
  }
  return out;
}

std::optional<InterfaceRow> wait_applied(Client& c, long long next_cfg, const std::string& iface,
                                         std::chrono::milliseconds timeout) {
  // The server holds the transaction until no row has cur_cfg < next_cfg, or the timeout.
  // (Not "until cur_cfg == next_cfg": with concurrent clients ovs-vswitchd applies several
  // increments at once and cur_cfg jumps past ours.)
  const json ops = json::array(
      {{{"op", "wait"},
        {"table", "Open_vSwitch"},
        {"where", json::array({json::array({"cur_cfg", "<", next_cfg})})},
        {"columns", {"cur_cfg"}},
        {"until", "=="},
        {"rows", json::array()},
        {"timeout", timeout.count()}},
       select_op("Interface", where_name(iface), {"_uuid", "name", "error", "ofport"})});
  const auto saved = c.timeout();
  c.set_timeout(saved + timeout);
  bool applied = true;
  std::vector<json> res;
  try {
    res = c.transact(kDatabase, ops);
  } catch (const Error& e) {
    c.set_timeout(saved);
    if (e.msg().find("timed out") == std::string::npos ||
        e.msg().find("wait on Open_vSwitch") == std::string::npos)
      throw;
    applied = false;
  }
  c.set_timeout(saved);
  if (!applied) {
    auto now =
        c.transact(kDatabase, json::array({select_op("Open_vSwitch", json::array(), {"cur_cfg"}),
                                           select_op("Interface", where_name(iface),
                                                     {"_uuid", "name", "error", "ofport"})}));
    const json& rows = rows_of(now.at(0), "Open_vSwitch");
    if (rows.empty()) return std::nullopt;
    const json& cur = column(rows[0], "cur_cfg", "Open_vSwitch");
    if (!cur.is_number_integer() || cur.get<long long>() < next_cfg) return std::nullopt;
    res = std::move(now);
  }
  const json& rows = rows_of(res.at(1), "Interface");
  if (rows.empty()) {
    throw Error(Code::Ovsdb, "ovsdb: interface " + iface + " vanished after it was added");
  }
  return interface_from(rows[0]);
}

std::vector<PortRow> find_ports(Client& c, const std::map<std::string, std::string>& ids) {
  json where = json::array();
  if (!ids.empty()) where.push_back(json::array({"external_ids", "includes", make_map(ids)}));
  auto res =
      c.transact(kDatabase, json::array({select_op("Port", where,
                                                   {"_uuid", "name", "external_ids", "vlan_mode",
                                                    "tag", "trunks", "interfaces"})}));
  std::vector<PortRow> out;
  for (const auto& row : rows_of(res.at(0), "Port")) {
    PortRow p;
    p.uuid = uuid_of(column(row, "_uuid", "Port"), "Port._uuid");
    p.name = string_column(row, "name", "Port");
    p.external_ids = map_strings(column(row, "external_ids", "Port"), "Port.external_ids");
    p.vlan_mode = string_column(row, "vlan_mode", "Port");
    p.tag = optional_int(column(row, "tag", "Port"), "Port.tag");
    p.trunks = int_set(column(row, "trunks", "Port"), "Port.trunks");
    for (const auto& i : set_elements(column(row, "interfaces", "Port"), "Port.interfaces"))
      p.interfaces.push_back(uuid_of(i, "Port.interfaces"));
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<InterfaceRow> find_interface(Client& c, const std::string& name) {
  auto res = c.transact(kDatabase, json::array({select_op("Interface", where_name(name),
                                                          {"_uuid", "name", "error", "ofport"})}));
  const json& rows = rows_of(res.at(0), "Interface");
  if (rows.empty()) return std::nullopt;
  return interface_from(rows[0]);
}

void delete_ports(Client& c, const std::vector<PortRow>& ports) {
  if (ports.empty()) return;
  json ops = json::array();
  std::vector<json> refs;
  for (const auto& p : ports) {
    // Guard: the port is still the one chosen (same uuid, same external_ids).
    ops.push_back({{"op", "wait"},
                   {"table", "Port"},
                   {"where", json::array({json::array({"_uuid", "==", uuid_ref(p.uuid)})})},
                   {"columns", {"external_ids"}},
                   {"until", "=="},
                   {"rows", json::array({{{"external_ids", make_map(p.external_ids)}}})},
                   {"timeout", 0}});
    refs.push_back(uuid_ref(p.uuid));
  }
  ops.push_back({{"op", "mutate"},
                 {"table", "Bridge"},
                 {"where", json::array()},
                 {"mutations", json::array({json::array({"ports", "delete", make_set(refs)})})}});
  c.transact(kDatabase, ops);
}

}  // namespace cni::ovsdb

#pragma once

// RFC 7047 values (section 5.1): atoms, ["set",[...]], ["map",[[k,v],...]], ["uuid","..."],
// ["named-uuid","..."]; and the reading of a "transact" reply. Pure code (no I/O).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cni::ovsdb {

using nlohmann::json;

/// ["map",[[k,v],...]] of string pairs (sorted, as std::map).
json make_map(const std::map<std::string, std::string>& m);
/// ["set",[...]] of the given atoms.
json make_set(const std::vector<json>& atoms);
/// ["uuid", id] and ["named-uuid", name].
json uuid_ref(const std::string& id);
json named_uuid(const std::string& name);

/// The elements of a set datum: a bare atom is a one-element set, ["set",[...]] its
/// elements. Throws cni::Error(Ovsdb) naming `what` for anything else.
std::vector<json> set_elements(const json& datum, const std::string& what);
/// A map datum of string keys and values; throws cni::Error(Ovsdb) naming `what` otherwise.
std::map<std::string, std::string> map_strings(const json& datum, const std::string& what);
/// The id of ["uuid", id]; throws cni::Error(Ovsdb) naming `what` otherwise.
std::string uuid_of(const json& datum, const std::string& what);
/// An integer column that is optional in the schema (min 0, max 1): nullopt for the empty set.
std::optional<long long> optional_int(const json& datum, const std::string& what);
/// The integers of a set of integers.
std::vector<long long> int_set(const json& datum, const std::string& what);

/// Checks the "result" of a transact against the operations sent. Each result element is
/// either null (not executed), or an object that may carry "error"/"details". The first error
/// is thrown as cni::Error(Ovsdb): "ovsdb: <op> on <table> (operation N): <error>: <details>";
/// an error beyond the operations (a commit failure) names the transaction. Returns the
/// result array. Throws for a result that is not an array of objects/nulls.
std::vector<json> check_transact_result(const json& ops, const json& result);

}  // namespace cni::ovsdb

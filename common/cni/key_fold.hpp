#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace cni {

// Go's encoding/json, which reads the reference plugins' configs, matches an object key to a
// struct field case-insensitively (Unicode simple folding) when no field has exactly that
// name, and when several keys name one field the last one in the document wins. So
// {"Bridge":"br1","IPAM":{"Type":"host-local"}} configures bridge br1 with host-local there,
// and containerd 1.6 sends capability args as {"HostPort":..} or {"IngressRate":..}. We read
// configs the same way: the skel renames every key that names a known field to the field's
// own spelling before a plugin sees the config, so plugins look keys up exactly.
//
// A shape says which keys are fields, as a JSON value mirroring the config:
//   null          a scalar or a value read whole (nothing inside it is renamed)
//   {"k": S, ..}  a struct whose fields are k.. with shapes S..; other keys are kept as written
//   {"*": S}      a map: keys kept as written, every value of shape S
//   [S]           a list whose elements have shape S
// Where several keys name one field, struct and map values merge (later keys win inside) as
// Go decodes them into one value; anything else is replaced by the later value.

/// Go's case folding of a key ("foldName"): ASCII letters upper-cased, and the two non-ASCII
/// letters whose fold is ASCII (U+212A KELVIN SIGN -> K, U+017F LONG S -> S).
std::string go_fold(std::string_view key);

/// `doc` with its keys renamed as described above.
nlohmann::json fold_keys(const nlohmann::ordered_json& doc, const nlohmann::json& shape);

/// Two shapes as one: struct fields of both (recursively where both are structs).
nlohmann::json merge_shapes(nlohmann::json a, const nlohmann::json& b);

/// Parses a shape written as JSON text (a plugin's `keys`); throws on invalid JSON.
nlohmann::json parse_shape(std::string_view text);

}  // namespace cni

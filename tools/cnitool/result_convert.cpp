#include "result_convert.hpp"

#include "cni/error.hpp"
#include "cni/result.hpp"

namespace cni::tool {

nlohmann::json convert_result(const nlohmann::json& raw, Version default_version, Version to,
                              const std::string& field) {
  if (!raw.is_object()) throw Error(Code::DecodingFailure, field + ": not a JSON object");
  Version from = default_version;
  if (auto it = raw.find("cniVersion"); it != raw.end()) {
    auto v = it->is_string() ? parse_version(it->get<std::string>()) : std::nullopt;
    if (!v) {
      throw Error(Code::IncompatibleVersion, field + ": unsupported result version " + it->dump(),
                  "supported: " + supported_versions_list());
    }
    from = *v;
  }
  return render_result(parse_result(raw, from, field), to);
}

}  // namespace cni::tool

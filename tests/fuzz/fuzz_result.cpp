// libFuzzer target: parse_result and render_result into every version.
// Input: "<version>\n<result JSON>", e.g. "0.4.0\n{...}"; a first line that is no supported
// version picks one from its bytes. Properties, for every output version w:
// - parse_result throws nothing but cni::Error(DecodingFailure);
// - render_result throws nothing but cni::Error(IncompatibleVersion), for 0.1.0/0.2.0 without
//   any address;
// - our own rendering dumps as valid JSON, parses back in w, and renders identically again;
// - rendering in 1.1.0 (the canonical form) loses nothing: it parses back to the same Result.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cni/error.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"
#include "fuzz_support.hpp"

namespace {

using nlohmann::json;

cni::Version pick_version(std::string_view line) {
  if (auto v = cni::parse_version(line)) return *v;
  std::size_t sum = 0;
  for (char ch : line)
    sum += static_cast<unsigned char>(ch);
  return cni::kAllVersions[sum % cni::kAllVersions.size()];
}

void check_round_trip(const cni::Result& r, cni::Version w) {
  const std::string name(cni::to_string(w));
  json rendered;
  try {
    rendered = cni::render_result(r, w);
  } catch (const cni::Error& e) {
    if (e.code() != cni::Code::IncompatibleVersion || !cni::has_legacy_result(w) ||
        !r.ips.empty()) {
      cni::fuzz::finding("render_result " + name + " threw unexpectedly", e.what());
    }
    return;
  }
  if (rendered.value("cniVersion", "") != name) {
    cni::fuzz::finding("render_result " + name + " has the wrong cniVersion", rendered.dump());
  }
  const std::string text = rendered.dump();  // strict: throws on invalid UTF-8
  cni::Result back;
  try {
    back = cni::parse_result(json::parse(text), w, "result");
  } catch (const cni::Error& e) {
    cni::fuzz::finding("our " + name + " rendering does not parse back: " + e.what(), text);
  }
  json again = cni::render_result(back, w);
  if (again != rendered) {
    cni::fuzz::finding("render(parse(render(r))) != render(r) in " + name,
                       text + "\n" + again.dump());
  }
  if (w == cni::kLatestVersion && back != r) {
    cni::fuzz::finding("the 1.1.0 rendering lost information", text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [line, payload] = cni::fuzz::split_first_line(data, size);
  const cni::Version version = pick_version(line);
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded()) return -1;  // the JSON parser itself is not under test

  cni::Result r;
  try {
    r = cni::parse_result(j, version, "prevResult");
  } catch (const cni::Error& e) {
    if (e.code() != cni::Code::DecodingFailure) {
      cni::fuzz::finding("parse_result threw a code other than 6", e.what());
    }
    return 0;
  }
  for (cni::Version w : cni::kAllVersions)
    check_round_trip(r, w);
  return 0;
}

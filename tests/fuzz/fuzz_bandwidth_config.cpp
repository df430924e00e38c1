// libFuzzer target: the bandwidth plugin's config (the whole input is the stdin JSON; the skel
// has already checked it is an object). Properties: only cni::Error 6 or 7 is thrown, naming
// one of the four keys (or runtimeConfig.bandwidth); an accepted limit has rate and burst of at
// least 8 and burst/8 below 2^32-1; its TBF is the rate in bytes with a non-zero bucket, or a
// code 7 naming the burst key.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cni/error.hpp"
#include "config.hpp"
#include "fuzz_support.hpp"
#include "shaping.hpp"

namespace {

bool names_a_key(const std::string& msg) {
  for (const char* k : {"ingressRate: ", "ingressBurst: ", "egressRate: ", "egressBurst: ",
                        "runtimeConfig.bandwidth"}) {
    if (msg.rfind(k, 0) == 0) return true;
  }
  return false;
}

void expect_named(const cni::Error& e, std::string_view where) {
  if (e.code() != cni::Code::InvalidConfig && e.code() != cni::Code::DecodingFailure) {
    cni::fuzz::finding(std::string(where) + " threw a code other than 6 or 7", e.what());
  }
  const std::string& m = e.msg();
  const std::string bare = m.rfind("runtimeConfig.bandwidth.", 0) == 0 ? m.substr(24) : m;
  if (!names_a_key(m) && !names_a_key(bare)) {
    cni::fuzz::finding(std::string(where) + ": message names no key", m);
  }
}

void check_limit(const std::optional<cni::bandwidth::Limit>& l, const std::string& burst_key) {
  if (!l) return;
  if (l->rate < 8 || l->burst < 8 || l->burst / 8 >= 0xFFFFFFFFULL) {
    cni::fuzz::finding("out-of-range limit accepted", burst_key);
  }
  try {
    const auto p = cni::bandwidth::tbf_params(*l, 15.625, burst_key);
    if (p.rate != l->rate / 8 || p.buffer == 0) cni::fuzz::finding("bad TBF", burst_key);
  } catch (const cni::Error& e) {
    if (e.code() != cni::Code::InvalidConfig || e.msg().rfind(burst_key + ": ", 0) != 0) {
      cni::fuzz::finding("TBF error does not name the burst key", e.msg());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json conf = nlohmann::json::parse(text, nullptr, false);
  if (conf.is_discarded() || !conf.is_object()) return 0;
  cni::Request req;
  req.conf.raw = conf;
  if (auto it = conf.find("runtimeConfig"); it != conf.end() && it->is_object()) {
    req.conf.runtime_config = *it;
  }
  cni::bandwidth::Config cfg;
  try {
    cfg = cni::bandwidth::parse_config(req);
  } catch (const cni::Error& e) {
    expect_named(e, "parse_config");
    return 0;
  }
  check_limit(cfg.ingress, cfg.where + "ingressBurst");
  check_limit(cfg.egress, cfg.where + "egressBurst");
  return 0;
}

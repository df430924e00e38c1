#include "log/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <filesystem>

namespace cni::log {

namespace {
std::string g_plugin = "cni";
std::string g_level = "warn";

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%f %n[%P] %l: %v";

void install(std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = std::make_shared<spdlog::logger>(g_plugin, std::move(sink));
  logger->set_pattern(kPattern);
  logger->set_level(spdlog::level::from_str(g_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}
}  // namespace

void init(std::string_view plugin, const Settings& settings) {
  g_plugin = plugin;
  install(std::make_shared<spdlog::sinks::stderr_sink_st>());
  apply(settings);
}

void apply(const Settings& settings) {
  if (settings.level) {
    auto lvl = spdlog::level::from_str(*settings.level);
    // from_str maps unknown names to "off"; only accept "off" when asked for by name.
    if (lvl != spdlog::level::off || *settings.level == "off") {
      g_level = *settings.level;
      spdlog::default_logger()->set_level(lvl);
    } else {
      spdlog::warn("unknown log level \"{}\", keeping \"{}\"", *settings.level, g_level);
    }
  }
  if (settings.file && !settings.file->empty()) {
    // spdlog would create missing parent directories; a config key must not do that.
    auto parent = std::filesystem::path(*settings.file).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      spdlog::warn("cannot open log file \"{}\": no directory {}; logging to stderr",
                   *settings.file, parent.string());
      return;
    }
    try {
      install(std::make_shared<spdlog::sinks::basic_file_sink_st>(*settings.file));
    } catch (const spdlog::spdlog_ex& e) {
      spdlog::warn("cannot open log file \"{}\": {}; logging to stderr", *settings.file, e.what());
    }
  }
}

}  // namespace cni::log

#include "log/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <filesystem>

namespace cni::log {

namespace {
std::string g_plugin = "cni";
std::string g_level = "warn";
std::string g_file;                 // the file the logger writes to, "" for stderr
thread_local std::string t_plugin;  // this thread's name, "" for the process's (g_plugin)

// %* is the plugin's name: this thread's when it has one, else the process's.
class PluginNameFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string& name = t_plugin.empty() ? g_plugin : t_plugin;
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PluginNameFlag>();
  }
};

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%f %*[%P] %l: %v";

void install(std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = std::make_shared<spdlog::logger>(g_plugin, std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<PluginNameFlag>('*').set_pattern(kPattern);
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(g_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}
}  // namespace

void init(std::string_view plugin, const Settings& settings) {
  g_plugin = plugin;
  g_file.clear();
  install(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  apply(settings);
}

void apply(const Settings& settings) {
  if (settings.level) {
    auto lvl = spdlog::level::from_str(*settings.level);
    // from_str maps unknown names to "off"; only accept "off" when asked for by name.
    if (lvl != spdlog::level::off || *settings.level == "off") {
      if (g_level != *settings.level) {  // unchanged: nothing written (see below)
        g_level = *settings.level;
        spdlog::default_logger()->set_level(lvl);
      }
    } else {
      spdlog::warn("unknown log level \"{}\", keeping \"{}\"", *settings.level, g_level);
    }
  }
  // The same file again (an in-process delegate applying the config its caller applied) keeps
  // the sink: other threads may be writing to it.
  if (settings.file && !settings.file->empty() && *settings.file != g_file) {
    // spdlog would create missing parent directories; a config key must not do that.
    auto parent = std::filesystem::path(*settings.file).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      spdlog::warn("cannot open log file \"{}\": no directory {}; logging to stderr",
                   *settings.file, parent.string());
      return;
    }
    try {
      install(std::make_shared<spdlog::sinks::basic_file_sink_mt>(*settings.file));
      g_file = *settings.file;
    } catch (const spdlog::spdlog_ex& e) {
      spdlog::warn("cannot open log file \"{}\": {}; logging to stderr", *settings.file, e.what());
    }
  }
}

ThreadPluginName::ThreadPluginName(std::string name) : previous_(std::move(t_plugin)) {
  t_plugin = std::move(name);
}

ThreadPluginName::~ThreadPluginName() {
  t_plugin = std::move(previous_);
}

}  // namespace cni::log

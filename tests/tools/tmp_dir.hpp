#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cni::tool::test {

/// A temporary directory removed with everything in it at the end of the test.
class TmpDir {
 public:
  TmpDir() {
    char tmpl[] = "/tmp/cnitool-test-XXXXXX";
    path_ = mkdtemp(tmpl) ? tmpl : "";
  }
  ~TmpDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  /// Writes `content` to `name` (creating parent directories); `mode` e.g. 0755 for scripts.
  std::string write(const std::string& name, const std::string& content, int mode = 0644) const {
    std::string p = *this / name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    chmod(p.c_str(), static_cast<mode_t>(mode));
    return p;
  }
  std::string read(const std::string& name) const {
    std::ifstream f(*this / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  bool exists(const std::string& name) const { return std::filesystem::exists(*this / name); }

 private:
  std::string path_;
};

}  // namespace cni::tool::test

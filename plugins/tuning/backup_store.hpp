#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cni::tuning {

// The backup files in the data dir (host filesystem; the caller's mount namespace). The data dir
// comes from the admin's config; every name inside it is built from validated input only.

/// Largest backup file read (the reference's are well under 200 bytes).
inline constexpr std::size_t kMaxBackupFile = std::size_t{64} * 1024;

/// Writes `text` as `dir`/`name` with mode 0600, atomically (a temporary file renamed over it);
/// creates `dir` (0700, parents included) if missing. Throws cni::Error(System) naming the path.
void write_backup_file(const std::string& dir, const std::string& name, const std::string& text);

/// The content of `dir`/`name`; nullopt when there is no such file. Refuses a symlink, a
/// non-regular file and one larger than kMaxBackupFile (cni::Error(System) naming the path).
std::optional<std::string> read_backup_file(const std::string& dir, const std::string& name);

/// Removes `dir`/`name`; false when it was already gone. Throws cni::Error(System) otherwise.
bool remove_backup_file(const std::string& dir, const std::string& name);

/// The names of the regular files in `dir` (none when it does not exist).
std::vector<std::string> list_files(const std::string& dir);

}  // namespace cni::tuning

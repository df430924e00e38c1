#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/unique_fd.hpp"

/// Small file-system helpers for the host-local store. Every name is one path component
/// relative to a directory fd (never a path built from input), so nothing can escape the
/// directory. Failures throw cni::Error(System) naming the operation and the file.
namespace cni::ipam::fs {

/// Prefix of the temporary files we create next to the files we replace; a leftover one (after
/// a crash) is removed by the next full scan.
inline constexpr std::string_view kTempPrefix = ".cni-cpp-tmp.";

/// Opens (and with `create`, first creates with mode 0755, like `mkdir -p`) the directory at
/// the absolute `path`. Returns an empty fd when it does not exist and `create` is false.
sys::UniqueFd open_dir_path(const std::string& path, bool create);

/// Opens the subdirectory `name` of `dirfd` without following a symlink, creating it (0755)
/// when `create`. Empty fd when missing and not `create`.
sys::UniqueFd open_subdir(int dirfd, const std::string& name, bool create);

/// Reads the regular file `name` (at most `max` bytes; a longer file reads as its first
/// max+1 bytes, so callers can tell). nullopt when it does not exist.
std::optional<std::string> read_file(int dirfd, const std::string& name, std::size_t max = 4096);

/// Whether `name` exists (without following a symlink).
bool exists(int dirfd, const std::string& name);

/// Creates `name` holding `content` (mode 0600) atomically and exclusively: the file appears
/// complete or not at all (an unnamed O_TMPFILE, or a named temp file, is written first and
/// then link()ed into place, which fails atomically if the name exists). Returns false when
/// `name` already exists.
bool create_exclusive(int dirfd, const std::string& name, std::string_view content);

/// Replaces (or creates) `name` with `content` (mode 0600) atomically: temp file + rename().
void replace(int dirfd, const std::string& name, std::string_view content);

/// Removes `name`; false when it was already gone.
bool remove(int dirfd, const std::string& name);

/// One directory entry as readdir() reports it (no stat, no read).
struct Entry {
  std::string name;
  ino_t ino = 0;
  bool regular = false;  // a regular file (d_type, or lstat when the fs does not say)
};

/// The entries of `dirfd` other than "." and "..".
std::vector<Entry> list(int dirfd);

/// Removes every regular file in the subdirectory `name` of `dirfd`, then the directory.
/// Nothing when it does not exist.
void remove_flat_dir(int dirfd, const std::string& name);

}  // namespace cni::ipam::fs

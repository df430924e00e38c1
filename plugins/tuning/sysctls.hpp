#pragma once

#include <vector>

#include "config.hpp"
#include "sys/rollback.hpp"

namespace cni::tuning {

// Both act in the calling thread's network namespace: /proc/sys/net shows the namespace of the
// thread that opens the file, so the caller enters the container's first (netns::Enter).

/// Writes each sysctl after checking that its file really lies under /proc/sys/net/ (whatever
/// a component resolves to), and pushes onto `undo` the write of the value it had. A missing
/// sysctl or one outside net/ is cni::Error(InvalidConfig) naming the key; a failed write is
/// the sysctl layer's error prefixed with the key.
void apply_sysctls(const std::vector<Sysctl>& sysctls, sys::Rollback& undo);

/// Throws cni::Error(CheckFailed) naming the first sysctl whose value is not the configured
/// one (whitespace runs compare equal: the kernel prints "4096\t87380" for "4096 87380").
void check_sysctls(const std::vector<Sysctl>& sysctls);

}  // namespace cni::tuning

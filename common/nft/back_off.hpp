#pragma once

// The random, growing pause before retrying after a collision with another process (a rule
// deleted between listing and transaction, a dump interrupted by a commit). Pure but for the
// sleep.

namespace cni::nft {

/// Sleeps between b and 2b microseconds, b = first_us doubled per attempt after the first
/// (attempt counts from 1), at most max_us.
void back_off(int attempt, int first_us, int max_us);

}  // namespace cni::nft

#include "nft/back_off.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace cni::nft {

void back_off(int attempt, int first_us, int max_us) {
  static thread_local std::minstd_rand rng(std::random_device{}());
  const int base_us = std::min(first_us << std::clamp(attempt - 1, 0, 10), max_us);
  std::uniform_int_distribution<int> jitter(0, base_us);
  std::this_thread::sleep_for(std::chrono::microseconds(base_us + jitter(rng)));
}

}  // namespace cni::nft

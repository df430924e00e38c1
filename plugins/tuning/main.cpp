#include "tuning.hpp"

int main() {
  return cni::run_main(cni::tuning::plugin(), "tuning");
}

#include "bandwidth.hpp"

int main() {
  return cni::run_main(cni::bandwidth::plugin(), "bandwidth");
}

#include "loopback.hpp"

int main() {
  return cni::run_main(cni::loopback::plugin(), "loopback");
}

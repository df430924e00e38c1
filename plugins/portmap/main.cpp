#include "portmap.hpp"

int main() {
  return cni::run_main(cni::portmap::plugin(), "portmap");
}

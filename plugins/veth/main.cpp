#include "veth.hpp"

int main() {
  return cni::run_main(cni::veth::plugin(), "veth");
}

#include "ovs.hpp"

int main() {
  return cni::run_main(cni::ovs::plugin(), "ovs");
}

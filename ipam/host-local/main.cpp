#include "host_local.hpp"

int main() {
  return cni::run_main(cni::ipam::host_local_plugin(), "host-local");
}

#include "bridge.hpp"

int main() {
  return cni::run_main(cni::bridge::plugin(), "bridge");
}

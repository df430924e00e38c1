#include "firewall.hpp"

int main() {
  return cni::run_main(cni::firewall::plugin(), "firewall");
}

#include "nft/socket_release.hpp"

#include <mutex>
#include <vector>

#include "nft/handle.hpp"

namespace cni::nft {
namespace {
bool g_keep = false;
std::mutex g_mutex;  // sockets are closed from several threads (bridge's DEL)
// Reachable to the end, so leak checkers do not count them.
std::vector<mnl_socket*>& kept() {
  static auto* sockets = new std::vector<mnl_socket*>();
  return *sockets;
}
}  // namespace

void keep_sockets_until_exit() {
  g_keep = true;
}

void Deleter::operator()(mnl_socket* p) const noexcept {
  if (p == nullptr) return;
  if (!g_keep) {
    mnl_socket_close(p);
    return;
  }
  try {
    const std::lock_guard lock(g_mutex);
    kept().push_back(p);
  } catch (...) {
    mnl_socket_close(p);  // out of memory: close it after all
  }
}

}  // namespace cni::nft

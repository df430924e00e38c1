#include "container_id.hpp"

#include <vector>

#include "nft/sha512.hpp"

namespace cni::tool {

std::string absolute_path(const std::string& path, const std::string& cwd) {
  std::string full = !path.empty() && path.front() == '/' ? path : cwd + "/" + path;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= full.size()) {
    auto end = full.find('/', start);
    if (end == std::string::npos) end = full.size();
    std::string part = full.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts)
    out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string container_id_for(const std::string& netns_path) {
  return "cnitool-" + nft::sha512_hex(netns_path).substr(0, 20);
}

}  // namespace cni::tool

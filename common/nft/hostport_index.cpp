#include "nft/hostport_index.hpp"

#include <vector>

#include "nft/hostport_layout.hpp"
#include "nft/sha512.hpp"

namespace cni::nft {
namespace {

// A concatenation pads each field to 4 bytes.
constexpr std::uint32_t kPortKeyLen = 8;
constexpr std::uint32_t kOwnerKeyLen = 4;

std::string owner_key(std::string_view kind, std::string_view text) {
  std::string input(kind);
  input.push_back('\0');
  input.append(text);
  const auto digest = sha512(input);
  return {reinterpret_cast<const char*>(digest.data()), kOwnerKeyLen};
}

// `keys` less `except`.
std::vector<std::string> without(const std::set<std::string>& keys,
                                 const std::set<std::string>& except) {
  std::vector<std::string> out;
  for (const auto& k : keys)
    if (!except.contains(k)) out.push_back(k);
  return out;
}

}  // namespace

SetKind hostport_index_set_kind(const char* name) {
  if (std::string_view(name) == kPublishedPortsSet) {
    return {.key_type = concat_type(kTypeInetProto, kTypeInetService),
            .key_len = kPortKeyLen,
            .comment = "cni-plugins-cpp: index of the published ports"};
  }
  return {.key_type = kTypeMark,
          .key_len = kOwnerKeyLen,
          .comment = "cni-plugins-cpp: index of the attachments with rules here"};
}

SetName hostport_index_set(net::Family f, const char* name) {
  return {.family = nfproto(f), .table = kHostportTable, .name = name};
}

std::string published_port_key(std::uint8_t proto, std::uint16_t port) {
  std::string key(kPortKeyLen, '\0');
  key[0] = static_cast<char>(proto);
  key[4] = static_cast<char>(port >> 8);  // network byte order
  key[5] = static_cast<char>(port & 0xff);
  return key;
}

std::string tagged_owner_key(std::string_view tag) {
  return owner_key("tag", tag);
}

std::string untagged_owner_key(std::string_view container_id) {
  return owner_key("id", container_id);
}

std::optional<std::string> owner_key_of(const RawRule& r) {
  if (r.tag) return tagged_owner_key(*r.tag);
  if (r.comment) return untagged_owner_key(*r.comment);
  return std::nullopt;
}

void HostportIndexChanges::put(Batch& batch, net::Family f) const {
  for (const char* name : {kPublishedPortsSet, kAttachmentsSet}) {
    const SetName set = hostport_index_set(f, name);
    const bool ports = std::string_view(name) == kPublishedPortsSet;
    const auto& adds = ports ? add_ports : add_owners;
    const auto& deletes = ports ? delete_ports : delete_owners;
    if (rebuild) {
      batch.add_set(*set_declaration(set, hostport_index_set_kind(name)),
                    "add set " + set.table + " " + name);
      flush_set(batch, set);
    } else {
      // A key both deleted and added stays: only the add is sent.
      delete_set_elements(batch, set, without(deletes, adds));
    }
    add_set_elements(batch, set, {adds.begin(), adds.end()});
  }
}

}  // namespace cni::nft

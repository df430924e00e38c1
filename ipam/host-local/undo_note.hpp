#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cni::ipam {

/// What undoing an ADD needs to put the data directory back as it was (see cni/delegate.hpp,
/// kUndoInfoEnv): whether the ADD created the network's directory and the index's top
/// directory, and per range set the last_reserved_ip text before it and the address it
/// reserved. Exchanged as JSON text between our plugins only; parsed defensively.
struct UndoNote {
  struct Set {
    std::optional<std::string> last_before;  // nullopt: there was no last_reserved_ip file
    std::string reserved;                    // the address reserved in this set
  };
  bool net_dir_created = false;
  bool index_top_created = false;
  std::vector<Set> sets;  // by range set index

  std::string to_json() const;
  /// nullopt for text that is not a note of this shape (then nothing is undone beyond DEL).
  static std::optional<UndoNote> parse(std::string_view text);
};

}  // namespace cni::ipam

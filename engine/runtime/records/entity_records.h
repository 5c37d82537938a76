// How an entity variable is stored: the one owner of its record formats.
//
// A variable is stored whole (e/<pico><rid><name> holds its JSON), except a
// map of kKeyedFrom entries or more, which is stored by key: e/ holds the
// marker kKeyedMarker and each entry is a record of its own,
// f/<pico><rid><name><key> = "<order>:<JSON of the value>", where <order>
// (decimal) gives the entries' insertion order back when the map is loaded.
// Writing a keyed map writes only the entries that are not the same object
// as in the committed map (krl::Value::is_same_object), so
// `ent:members{id} := m` on a map of 10,000 members costs one entry, not the
// whole map. A keyed map that shrinks under kWholeBelow entries, or stops
// being a map, is stored whole again.
//
// KRL sees no difference: the variable reads as the same Map, in the same
// order, whichever way it is stored.
//
// Functions over the caller's store access; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/krl/value.h"

namespace spime::store {
class Store;
class WriteBatch;
}  // namespace spime::store

namespace spime::runtime::entity_records {

inline constexpr std::size_t kKeyedFrom = 64;
inline constexpr std::size_t kWholeBelow = 32;
inline constexpr std::string_view kKeyedMarker = "#keyed-map";

// One variable as it is committed, as the pico's cache keeps it.
struct StoredEnt {
  krl::Value value;              // null when absent
  bool keyed = false;            // stored by key (then value is a Map)
  std::uint64_t next_order = 0;  // keyed: above the order of every entry
};

// Visits (map key, raw f/ record) of one variable's entries, any order.
using EntryVisitor = std::function<void(std::string_view key, std::string_view raw)>;
using EntryScan = std::function<void(const EntryVisitor& visit)>;

// The variable from its e/ record (`raw`, nullopt when absent) and, when that
// is the marker, from its entries (`scan` visits them). A record that does
// not parse reads as null (as the store is written only by write()).
StoredEnt decode(const std::optional<std::string>& raw, const EntryScan& scan);

// The raw f/ record of the entry at `store_key`, through writes not yet
// durable; false when absent.
using EntryRead = std::function<bool(const std::string& store_key, std::string* raw)>;
// Told of every f/ record written (nullopt: erased), so the caller can read
// it back before it is durable. Not told of a whole variable's entries being
// dropped (erase_prefix of entry_prefix()).
using EntryWritten =
    std::function<void(const std::string& store_key, std::optional<std::string> raw)>;

// Puts into `b` what stores `next` (null: erases the variable) over `old`,
// the committed state; returns the new committed state.
StoredEnt write(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                const std::string& name, const StoredEnt& old, const krl::Value& next,
                const EntryRead& read_entry, const EntryWritten& written);

// The committed value of `name{key}` as the store holds it (what is durable),
// whichever way the variable is stored: one point read of a keyed map's entry;
// null when absent.
krl::Value read_stored_entry(const store::Store& s, const std::string& pico_id,
                             const std::string& rid, const std::string& name,
                             const std::string& key);

// The f/ record of one entry, and back (false when malformed).
std::string encode_entry(std::uint64_t order, const krl::Value& value);
bool decode_entry(std::string_view raw, std::uint64_t* order, krl::Value* value);

}  // namespace spime::runtime::entity_records

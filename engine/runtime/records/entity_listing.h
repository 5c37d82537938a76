// A bounded listing of one pico's entity variables, for people to look at
// (the engine UI's `entvars` query, through ctx:entityVariables).
//
// The read side of entity_records.h for many variables at once: it reads
// the e/ and f/ families through keys.h and entity_records' codec, and lays
// over them what the pico holds in memory (its PicoState: values written by
// schedules whose batch is not durable yet), so it shows what a query of the
// pico sees; the caller answers only once those writes are durable (as
// every query does: pico_actor.h), so nothing shown can be lost by a crash.
//
// Bounded whatever the pico holds: at most Limits::max_variables variables
// (more: Listing::more), and each value's JSON cut to max_value_bytes (cut:
// Listed::cut, with the JSON text so far). Reading stops there: a map of
// 10^6 entries stored by key costs the entries that fit, a value stored
// whole one read of its record (never parsed when cut), a value in memory a
// walk of what fits. Nothing is copied into the pico's caches.
//
// Order: by rid, then name (the store's key order). A value shown whole has
// a map's entries in insertion order, as KRL sees it; a cut keyed map shows
// its first entries in key order (its insertion order is known only from all
// of them).
//
// Read-only; any thread; the overlay (PicoState) must not change during the
// call (the pico's own thread calls it).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/records/entity_records.h"

namespace spime::store {
class Store;
}

namespace spime::runtime::entity_records {

struct Limits {
  static constexpr std::size_t kMaxVariables = 256;
  static constexpr std::size_t kMaxValueBytes = 16384;
  std::size_t max_variables = kMaxVariables;     // 1 .. kMaxVariables
  std::size_t max_value_bytes = kMaxValueBytes;  // 1 .. kMaxValueBytes
};

struct Listed {
  std::string rid, name;
  krl::Value value;                  // whole: the value; cut: null
  bool cut = false;                  // the value's JSON is longer than max_value_bytes
  std::string json;                  // cut: its first bytes (compact JSON, a UTF-8 prefix)
  std::optional<std::size_t> bytes;  // cut: the whole JSON's length, when known
};

struct Listing {
  std::vector<Listed> variables;
  bool more = false;  // variables beyond max_variables were left out
};

// What the pico holds in memory over the store (PicoState).
struct Overlay {
  // The variables it holds, sorted by (rid, name); a null value: absent.
  std::vector<std::pair<std::pair<std::string, std::string>, const StoredEnt*>> held;
  // True for a rid whose store records are stale (uninstalled since the
  // pico was loaded, the erasure perhaps not durable) or a pico not in the
  // store yet: only `held` counts for it.
  std::function<bool(std::string_view rid)> store_stale;
};

Listing list_variables(const store::Store& s, const std::string& pico_id, const Limits& limits,
                       const Overlay& overlay);

// The compact JSON of `v` (krl::encode_json's text), stopping once it is
// longer than `max_bytes`: true and the whole text when it fits, false and
// the first max_bytes bytes (cut on a UTF-8 boundary) when it does not.
bool bounded_json(const krl::Value& v, std::size_t max_bytes, std::string* out);

}  // namespace spime::runtime::entity_records

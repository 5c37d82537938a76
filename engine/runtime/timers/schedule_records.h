// Scheduled events: the one owner of their format, as the reference keeps them.
//
// As pico-engine-core's schedule module, a pico's scheduled events live in an
// entity variable of the ruleset that scheduled them, `_schedule`: a map from
// id to the entry
//   {"id", "type": "at", "time": <ms since the epoch>,
//    "event": {"eci", "domain", "name", "data": {"attrs"}, "time": 0}}
//   {"id", "type": "repeat", "timespec": <cron text, as parsed>, "event": ...}
// which is also what `schedule ... setting(x)` binds and schedule:list,
// schedule:get answer. Being an entity variable, it is written in the
// scheduling schedule's transaction, read through the pico's state (a
// schedule:list sees what the same schedule just scheduled), and erased with
// the ruleset or the pico.
//
// The timer finds what is due through its own key family (engine/store/keys.h):
//   t/<due><sep><id>  {"pico": <pico id>, "rid": <rid>}
// Firing re-reads the entry: one that was removed fires nothing and its due
// key goes; an "at" entry is removed from `_schedule` by the event it fires,
// inside that event's transaction (fire()).
//
// Thread-safety: free functions; the store is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/krl/value.h"
#include "engine/store/write_batch.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

// The entity variable that holds a ruleset's scheduled events.
inline constexpr const char* kScheduleVar = "_schedule";

// A scheduled event coming due: the entry `id` in the `_schedule` variable
// of ruleset `rid`. The event runs only if the entry is still there; an "at"
// entry is removed by the event it fires (in that event's transaction).
struct ScheduleFiring {
  std::string rid;
  std::string id;
  // The pico that scheduled it: its own event, so it may use the pico's own
  // family channels (its system,self channel), as the pico itself may.
  std::string pico_id;
};

namespace schedule_records {

// A new entry (its id fresh, `event_attrs` a Map).
krl::Value at_entry(const std::string& id, double time_ms, const std::string& eci,
                    const std::string& domain, const std::string& name,
                    const krl::Value& event_attrs);
krl::Value repeat_entry(const std::string& id, const std::string& timespec, const std::string& eci,
                        const std::string& domain, const std::string& name,
                        const krl::Value& event_attrs);

// Fields of an entry (empty / null when absent).
std::string id_of(const krl::Value& entry);
bool is_repeat(const krl::Value& entry);
std::string timespec_of(const krl::Value& entry);
struct EntryEvent {
  std::string eci, domain, name;
  krl::Value attrs;  // a Map
};
EntryEvent event_of(const krl::Value& entry);

// The due key of `id` (for `pico_id`'s ruleset `rid`), firing at `due_ms`.
void put_due(store::WriteBatch* b, std::uint64_t due_ms, const std::string& id,
             const std::string& pico_id, const std::string& rid);

// Removes the due key of `id` firing at `due_ms` (an "at" entry whose pico
// is being deleted).
void erase_due(store::WriteBatch* b, std::uint64_t due_ms, const std::string& id);

// The committed entry `id` of (pico, rid), or null.
krl::Value load_entry(const store::Store& s, const std::string& pico_id, const std::string& rid,
                      const std::string& id);

// Due keys up to `now_ms`, earliest first, at most `limit`: (due key, id, pico id, rid).
void due(const store::Store& s, std::uint64_t now_ms, size_t limit,
         const std::function<void(const std::string& due_key, const std::string& id,
                                  const std::string& pico_id, const std::string& rid)>& visit);

// Schema 1 -> 2: s/<id> records become `_schedule` entity variables and the due keys
// name their owner (schema_upgrade.h).
void upgrade(const store::Store& s, store::WriteBatch* b);

}  // namespace schedule_records
}  // namespace spime::runtime

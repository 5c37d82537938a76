// Scheduled events in the store: the one owner of the s/ and t/ key families
// (engine/store/keys.h) and of the schedule record's format.
//
//   s/<id>  {"id", "picoId", "rid",
//            "event": {"eci", "domain", "name", "attrs"},
//            "type": "at", "time": <ms since the epoch>}
//        or {..., "type": "repeat", "timespec": <cron text, as parsed>}
//   t/<due><sep><id>  ""  (when it fires next)
//
// The record is also what schedule:list answers (the reference's shape).
// Writers append to a WriteBatch; readers see committed state.
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

struct ScheduleRecord {
  enum class Kind { kAt, kRepeat };
  std::string id;
  std::string pico_id;
  std::string rid;
  std::string eci, domain, name;
  krl::Value attrs;  // a Map
  Kind kind = Kind::kAt;
  double at_ms = 0;      // kAt
  std::string timespec;  // kRepeat
};

namespace schedule_records {

krl::Value to_value(const ScheduleRecord& r);
// False + *error when `json` is not a schedule record.
bool decode(const std::string& json, ScheduleRecord* out, std::string* error);

// The record and its first due key (`first_due_ms`; none: a repeat with no next firing).
void put(store::WriteBatch* b, const ScheduleRecord& r, std::optional<std::uint64_t> first_due_ms);
// The record and, for an `at`, its due key (a repeat's due key is dropped when it comes due).
void erase(store::WriteBatch* b, const ScheduleRecord& r);
// A firing: the due key goes; a repeat's next one comes (`next_ms`), or the record goes.
void fired(store::WriteBatch* b, const std::string& due_key, const std::string& id,
           std::optional<std::uint64_t> next_ms);

bool load(const store::Store& s, const std::string& id, ScheduleRecord* out);
// Every record of pico `pico_id`, in id order.
void for_pico(const store::Store& s, const std::string& pico_id,
              const std::function<void(const ScheduleRecord&)>& visit);
// Due keys up to `now_ms`, earliest first, at most `limit`: (due key, id).
void due(const store::Store& s, std::uint64_t now_ms, size_t limit,
         const std::function<void(const std::string& due_key, const std::string& id)>& visit);

}  // namespace schedule_records
}  // namespace spime::runtime

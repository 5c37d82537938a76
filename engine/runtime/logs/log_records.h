// Append-only logs: the one owner of their record formats.
//
// A pico's log (KRL's log: module, module_log.cpp; the logic in pico_log.h) is
// kept by one ruleset under a name. Three kinds of record, keys in
// engine/store/keys.h:
//  * the log's state, an entity variable of the ruleset named "_log:<name>"
//    (a ':' is never part of a KRL identifier, so it cannot collide with
//    one): {"head": <first live entry's number>, "next": <the number the next
//    append takes>, "last_ms" and "head_ms": the newest and the oldest live
//    entry's receipt times (head_ms absent: read it from the entry), "keyed":
//    true when some entry has a key, "max_count",
//    "max_age_ms" (the retention the last append asked for, absent: none)};
//    being an entity variable it is written in the schedule's batch, read
//    through the pico's state and erased with the ruleset;
//  * each entry, l/<pico><sep><rid><sep><name><sep><number>: the text
//    "<receipt ms> <key length> <key><entry as JSON>" (the time first, so a
//    search by time parses no JSON);
//  * the number of the entry appended with a unique key,
//    x/<pico><sep><rid><sep><name><sep><key>: decimal.
//
// Free functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/krl/value.h"

namespace spime::runtime::log_records {

// The entity variable that holds log `name`'s state.
std::string meta_var(std::string_view name);

struct LogMeta {
  std::uint64_t head = 0;  // entries [head, next) are live
  std::uint64_t next = 0;
  std::int64_t last_ms = 0;  // receipt time of entry next - 1 (0: none yet)
  std::int64_t head_ms = 0;  // receipt time of entry head (0: not known, read it)
  bool keyed = false;
  std::optional<std::uint64_t> max_count;
  std::optional<std::int64_t> max_age_ms;
  std::uint64_t size() const { return next - head; }
};

// Null (never appended) and anything unreadable decode as an empty log.
LogMeta decode_meta(const krl::Value& v);
krl::Value encode_meta(const LogMeta& m);

struct LogEntry {
  std::int64_t time_ms = 0;  // when the pico appended it (the engine's clock)
  std::string key;           // "" when appended without one
  krl::Value value;
};

std::string encode_entry(const LogEntry& e);
// The same for an entry whose value is already JSON text (`json`, as encode_json writes it).
std::string encode_entry_text(std::int64_t time_ms, std::string_view key, std::string_view json);
// False when `text` is not an entry this module wrote.
bool decode_entry(std::string_view text, LogEntry* out);
// Only the time of an encoded entry (no JSON parsed); false as decode_entry.
bool decode_entry_time(std::string_view text, std::int64_t* time_ms);

std::string encode_number(std::uint64_t n);
bool decode_number(std::string_view text, std::uint64_t* n);

}  // namespace spime::runtime::log_records

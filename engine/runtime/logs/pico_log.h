// A pico's append-only, time-ordered log: what KRL's log: module does
// (module_logs.cpp), over an abstract LogStorage so it can be tested alone.
//
// Costs, whatever the number of entries (N) kept:
//  * append: one entry write and one state write, no read (the log's state
//    is an entity variable, log_records.h); with a unique key, one point read of
//    the key index and one more write; retention drops at most
//    kMaxDropsPerAppend of the oldest entries per append (one point read each:
//    the dropped entry's key when the log is keyed, the next head's time when
//    it has an age limit; the head's time is kept in the state, so an append
//    that drops nothing reads nothing, and a log held at its count reads its
//    new head's time on one append in kAgeCheckEvery only), so keeping up
//    costs O(1) amortized and nothing rewrites the log;
//  * range of L entries: one range read of L consecutive entries (one
//    iterator seek and L steps in RocksDB: their keys are adjacent), plus
//    about 2·log2(N) point reads of entry times when `since`/`until` (or an
//    age limit) bound it (a binary search: entry numbers have no gaps and
//    their times never decrease);
//  * count, has: no read / one read; clear: two range deletions.
// Entry numbers come from the log's own counter; receipt times come from the
// caller's clock and are made non-decreasing (an entry is never stamped
// earlier than the one before it), so number order is time order.
//
// Not thread-safe: used by the one thread running a pico's schedule.
// Errors in the arguments are the caller's to report (module_logs.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/logs/log_records.h"

namespace spime::runtime {

// Where one ruleset's logs on one pico live (the runtime's adapter builds
// store keys; tests keep maps). Reads see this schedule's own writes.
class LogStorage {
 public:
  virtual ~LogStorage() = default;
  virtual krl::Value meta(std::string_view log) = 0;
  virtual void set_meta(std::string_view log, const krl::Value& meta) = 0;
  virtual bool read_entry(std::string_view log, std::uint64_t seq, std::string* text) = 0;
  // The entries numbered [lo, hi) that exist, in number order, appended to
  // *out as (number, text): one range read where the storage can do one.
  // This default does a point read per number.
  virtual void read_entries(std::string_view log, std::uint64_t lo, std::uint64_t hi,
                            std::vector<std::pair<std::uint64_t, std::string>>* out);
  virtual void write_entry(std::string_view log, std::uint64_t seq, std::string text) = 0;
  virtual void erase_entry(std::string_view log, std::uint64_t seq) = 0;
  virtual std::optional<std::uint64_t> read_key(std::string_view log, std::string_view key) = 0;
  virtual void write_key(std::string_view log, std::string_view key, std::uint64_t seq) = 0;
  virtual void erase_key(std::string_view log, std::string_view key) = 0;
  // Every entry and key of the log (one range deletion each); what the same
  // schedule writes afterwards stays.
  virtual void erase_all(std::string_view log) = 0;
};

inline constexpr std::size_t kMaxDropsPerAppend = 8;
// A log at its count limit checks its head's age on one append in this many.
inline constexpr std::uint64_t kAgeCheckEvery = 16;
inline constexpr std::size_t kMaxRangeLimit = 1000;

struct AppendOptions {
  std::string key;  // "": none. A key already in the log: nothing is appended.
  // Retention, kept with the log until an append says otherwise.
  std::optional<std::uint64_t> max_count;
  std::optional<std::int64_t> max_age_ms;
};

struct AppendResult {
  bool appended = false;  // false: the key was there already
  std::uint64_t seq = 0;  // the new entry's number, or the existing one's
};

AppendResult log_append(LogStorage& s, std::string_view log, krl::Value entry, std::int64_t now_ms,
                        const AppendOptions& options);

struct RangeQuery {
  std::size_t limit = 25;                // 1..kMaxRangeLimit
  std::optional<std::int64_t> since_ms;  // receipt time >= since
  std::optional<std::int64_t> until_ms;  // receipt time <= until
  std::optional<std::uint64_t> cursor;   // continue after this entry (exclusive)
  bool oldest_first = false;             // default: newest first
};

struct RangeEntry {
  std::uint64_t seq = 0;
  log_records::LogEntry entry;
};

struct RangeResult {
  std::vector<RangeEntry> entries;
  std::optional<std::uint64_t> next;  // the cursor for the next page, when there is one
};

// Entries older than the log's age limit are never returned, dropped or not.
// The same with the entry already encoded as JSON (`json`: encode_json's text, which the
// caller vouches for): no krl::Value is built on a hot path (a pico's episode log).
AppendResult log_append_json(LogStorage& s, std::string_view log, std::string json,
                             std::int64_t now_ms, const AppendOptions& options);

RangeResult log_range(LogStorage& s, std::string_view log, const RangeQuery& q,
                      std::int64_t now_ms);

std::uint64_t log_count(LogStorage& s, std::string_view log);
bool log_has(LogStorage& s, std::string_view log, std::string_view key);
// Drops every entry: [head, next) becomes empty; the numbering goes on
// (cursors handed out before stay meaningful). Two range deletions.
void log_clear(LogStorage& s, std::string_view log);

}  // namespace spime::runtime

#include "engine/runtime/logs/pico_log.h"

#include <algorithm>

namespace spime::runtime {

void LogStorage::read_entries(std::string_view log, std::uint64_t lo, std::uint64_t hi,
                              std::vector<std::pair<std::uint64_t, std::string>>* out) {
  for (std::uint64_t seq = lo; seq < hi; ++seq) {
    std::string text;
    if (read_entry(log, seq, &text)) out->emplace_back(seq, std::move(text));
  }
}

namespace {

using log_records::LogEntry;
using log_records::LogMeta;

LogMeta load(LogStorage& s, std::string_view log) {
  return log_records::decode_meta(s.meta(log));
}

std::optional<std::int64_t> time_of(LogStorage& s, std::string_view log, std::uint64_t seq) {
  std::string text;
  std::int64_t t = 0;
  if (!s.read_entry(log, seq, &text) || !log_records::decode_entry_time(text, &t)) {
    return std::nullopt;
  }
  return t;
}

// Drops the oldest entry; its key goes with it.
void drop_head(LogStorage& s, std::string_view log, LogMeta* m) {
  if (m->keyed) {
    std::string text;
    LogEntry e;
    if (s.read_entry(log, m->head, &text) && log_records::decode_entry(text, &e) &&
        !e.key.empty()) {
      s.erase_key(log, e.key);
    }
  }
  s.erase_entry(log, m->head);
  ++m->head;
  m->head_ms = 0;  // the new head's time is read when next needed
}

// The first number in [lo, hi) whose entry is at least `t` (or newer than `t` when
// `strictly`), hi when none: entry times never decrease with their numbers. An entry
// that cannot be read counts as old (it is being dropped).
std::uint64_t first_at(LogStorage& s, std::string_view log, std::uint64_t lo, std::uint64_t hi,
                       std::int64_t t, bool strictly) {
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    std::optional<std::int64_t> mt = time_of(s, log, mid);
    bool before = !mt || (strictly ? *mt <= t : *mt < t);
    if (before) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

namespace {

AppendResult append(LogStorage& s, std::string_view log, const krl::Value* entry, std::string* json,
                    std::int64_t now_ms, const AppendOptions& options) {
  LogMeta m = load(s, log);
  if (!options.key.empty()) {
    if (std::optional<std::uint64_t> at = s.read_key(log, options.key);
        at && *at >= m.head && *at < m.next) {
      return AppendResult{false, *at};
    }
  }
  // Never earlier than the entry before (a clock set back): number order stays time order.
  const std::int64_t t = std::max(now_ms, m.last_ms);
  const std::uint64_t seq = m.next++;
  m.last_ms = t;
  if (m.head == seq) m.head_ms = t;  // the log was empty: this entry is its head
  s.write_entry(log, seq,
                entry ? log_records::encode_entry(LogEntry{t, options.key, *entry})
                      : log_records::encode_entry_text(t, options.key, *json));
  if (!options.key.empty()) {
    s.write_key(log, options.key, seq);
    m.keyed = true;
  }
  m.max_count = options.max_count;
  m.max_age_ms = options.max_age_ms;
  bool dropped_by_count = false;
  for (std::size_t dropped = 0; dropped < kMaxDropsPerAppend && m.head < seq; ++dropped) {
    bool too_many = m.max_count && m.size() > *m.max_count;
    bool too_old = false;
    if (!too_many && m.max_age_ms) {
      // The head's time is kept in the state: read once per head, not per append.
      // While the count keeps the log bounded (it just dropped the head), the
      // age is checked on one append in kAgeCheckEvery only: a log at its
      // count would otherwise read its new head on every append. Readers
      // never see an entry past the age limit, dropped or not.
      if (m.head_ms == 0 && dropped_by_count && seq % kAgeCheckEvery != 0) break;
      if (m.head_ms == 0) {
        std::optional<std::int64_t> ht = time_of(s, log, m.head);
        m.head_ms = ht ? *ht : 0;
      }
      too_old = m.head_ms == 0 || m.head_ms < t - *m.max_age_ms;
    }
    if (!too_many && !too_old) break;
    dropped_by_count = dropped_by_count || too_many;
    drop_head(s, log, &m);
  }
  s.set_meta(log, log_records::encode_meta(m));
  return AppendResult{true, seq};
}

}  // namespace

AppendResult log_append(LogStorage& s, std::string_view log, krl::Value entry, std::int64_t now_ms,
                        const AppendOptions& options) {
  return append(s, log, &entry, nullptr, now_ms, options);
}

AppendResult log_append_json(LogStorage& s, std::string_view log, std::string json,
                             std::int64_t now_ms, const AppendOptions& options) {
  return append(s, log, nullptr, &json, now_ms, options);
}

RangeResult log_range(LogStorage& s, std::string_view log, const RangeQuery& q,
                      std::int64_t now_ms) {
  RangeResult out;
  LogMeta m = load(s, log);
  std::uint64_t lo = m.head, hi = m.next;
  std::optional<std::int64_t> since = q.since_ms;
  if (m.max_age_ms) {
    std::int64_t oldest = now_ms - *m.max_age_ms;
    since = since ? std::max(*since, oldest) : oldest;
  }
  if (q.cursor) {
    if (q.oldest_first) {
      lo = std::max(lo, *q.cursor + 1);
    } else {
      hi = std::min(hi, *q.cursor);
    }
  }
  if (lo >= hi) return out;
  if (since) lo = first_at(s, log, lo, hi, *since, false);
  if (q.until_ms && lo < hi) hi = first_at(s, log, lo, hi, *q.until_ms, true);
  const std::size_t limit = std::clamp<std::size_t>(q.limit, 1, kMaxRangeLimit);
  // [lo, hi) shrinks from the end the page starts at, one window of the entries still
  // wanted at a time: numbers have no gaps, so one window is the whole page unless
  // entries are being dropped or cannot be read.
  std::vector<std::pair<std::uint64_t, std::string>> window;
  while (out.entries.size() < limit && lo < hi) {
    const std::uint64_t want = limit - out.entries.size();
    const std::uint64_t from = q.oldest_first ? lo : (hi - lo > want ? hi - want : lo);
    const std::uint64_t to = q.oldest_first ? (hi - lo > want ? lo + want : hi) : hi;
    window.clear();
    s.read_entries(log, from, to, &window);
    if (!q.oldest_first) std::reverse(window.begin(), window.end());
    for (auto& [seq, text] : window) {
      RangeEntry e;
      e.seq = seq;
      if (!log_records::decode_entry(text, &e.entry)) continue;
      out.entries.push_back(std::move(e));
    }
    if (q.oldest_first) {
      lo = to;
    } else {
      hi = from;
    }
  }
  // More to read: the page ends at its last entry (the loop stops only when the page is full).
  if (lo < hi && !out.entries.empty()) out.next = out.entries.back().seq;
  return out;
}

std::uint64_t log_count(LogStorage& s, std::string_view log) {
  return load(s, log).size();
}

bool log_has(LogStorage& s, std::string_view log, std::string_view key) {
  if (key.empty()) return false;
  LogMeta m = load(s, log);
  std::optional<std::uint64_t> at = s.read_key(log, key);
  return at && *at >= m.head && *at < m.next;
}

void log_clear(LogStorage& s, std::string_view log) {
  LogMeta m = load(s, log);
  s.erase_all(log);
  m.head = m.next;
  m.head_ms = 0;
  m.keyed = false;
  s.set_meta(log, log_records::encode_meta(m));
}

}  // namespace spime::runtime

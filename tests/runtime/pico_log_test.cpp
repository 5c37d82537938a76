// runtime/logs/pico_log.h over an in-memory LogStorage that counts its reads:
// appends, pages by cursor, time bounds, retention by count and by age, keys,
// and the promise that costs do not grow with the number of entries.
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "engine/runtime/logs/pico_log.h"

namespace spime::runtime {
namespace {

using krl::Value;

class MemoryLogStorage : public LogStorage {
 public:
  Value meta(std::string_view log) override {
    auto it = metas.find(std::string(log));
    return it == metas.end() ? Value() : it->second;
  }
  void set_meta(std::string_view log, const Value& m) override { metas[std::string(log)] = m; }
  bool read_entry(std::string_view log, std::uint64_t seq, std::string* text) override {
    ++entry_reads;
    auto it = entries.find({std::string(log), seq});
    if (it == entries.end()) return false;
    *text = it->second;
    return true;
  }
  void write_entry(std::string_view log, std::uint64_t seq, std::string text) override {
    entries[{std::string(log), seq}] = std::move(text);
  }
  void erase_entry(std::string_view log, std::uint64_t seq) override {
    entries.erase({std::string(log), seq});
  }
  std::optional<std::uint64_t> read_key(std::string_view log, std::string_view key) override {
    auto it = keys.find({std::string(log), std::string(key)});
    if (it == keys.end()) return std::nullopt;
    return it->second;
  }
  void write_key(std::string_view log, std::string_view key, std::uint64_t seq) override {
    keys[{std::string(log), std::string(key)}] = seq;
  }
  void erase_key(std::string_view log, std::string_view key) override {
    keys.erase({std::string(log), std::string(key)});
  }
  void erase_all(std::string_view log) override {
    for (auto it = entries.begin(); it != entries.end();) {
      it = it->first.first == log ? entries.erase(it) : std::next(it);
    }
    for (auto it = keys.begin(); it != keys.end();) {
      it = it->first.first == log ? keys.erase(it) : std::next(it);
    }
  }

  std::map<std::string, Value> metas;
  std::map<std::pair<std::string, std::uint64_t>, std::string> entries;
  std::map<std::pair<std::string, std::string>, std::uint64_t> keys;
  std::uint64_t entry_reads = 0;
};

// Reads ranges as the engine's storage does (one call for consecutive entries).
class RangeMemoryLogStorage : public MemoryLogStorage {
 public:
  void read_entries(std::string_view log, std::uint64_t lo, std::uint64_t hi,
                    std::vector<std::pair<std::uint64_t, std::string>>* out) override {
    ++range_reads;
    for (auto it = entries.lower_bound({std::string(log), lo});
         it != entries.end() && it->first.first == log && it->first.second < hi; ++it) {
      out->emplace_back(it->first.second, it->second);
    }
  }
  std::uint64_t range_reads = 0;
};

double number_of(const RangeEntry& e) {
  return e.entry.value.as_number();
}

void append_n(MemoryLogStorage& s, int from, int to, std::int64_t t0 = 1000,
              const AppendOptions& o = {}) {
  for (int i = from; i < to; ++i) log_append(s, "v", Value(i), t0 + i, o);
}

TEST_CASE("a log pages newest first by cursor, and oldest first") {
  MemoryLogStorage s;
  append_n(s, 0, 60);
  REQUIRE(log_count(s, "v") == 60);

  RangeQuery q;
  RangeResult page1 = log_range(s, "v", q, 0);
  REQUIRE(page1.entries.size() == 25);
  CHECK(number_of(page1.entries.front()) == 59);
  CHECK(number_of(page1.entries.back()) == 35);
  REQUIRE(page1.next);
  q.cursor = page1.next;
  RangeResult page2 = log_range(s, "v", q, 0);
  CHECK(number_of(page2.entries.front()) == 34);
  q.cursor = page2.next;
  RangeResult page3 = log_range(s, "v", q, 0);
  REQUIRE(page3.entries.size() == 10);
  CHECK(number_of(page3.entries.back()) == 0);
  CHECK_FALSE(page3.next);

  RangeQuery oldest;
  oldest.oldest_first = true;
  oldest.limit = 50;
  RangeResult o1 = log_range(s, "v", oldest, 0);
  CHECK(number_of(o1.entries.front()) == 0);
  CHECK(number_of(o1.entries.back()) == 49);
  oldest.cursor = o1.next;
  RangeResult o2 = log_range(s, "v", oldest, 0);
  REQUIRE(o2.entries.size() == 10);
  CHECK(number_of(o2.entries.front()) == 50);
  CHECK_FALSE(o2.next);
}

TEST_CASE("since and until bound a log's range by receipt time, inclusively") {
  MemoryLogStorage s;
  append_n(s, 0, 100);  // entry i received at 1000 + i
  RangeQuery q;
  q.limit = 1000;
  q.since_ms = 1010;
  q.until_ms = 1019;
  RangeResult r = log_range(s, "v", q, 0);
  REQUIRE(r.entries.size() == 10);
  CHECK(number_of(r.entries.front()) == 19);
  CHECK(number_of(r.entries.back()) == 10);
  CHECK(r.entries.front().entry.time_ms == 1019);

  q.since_ms = 5000;  // after everything
  CHECK(log_range(s, "v", q, 0).entries.empty());
}

TEST_CASE("receipt times never go backwards: a clock set back stamps the last time") {
  MemoryLogStorage s;
  log_append(s, "v", Value(1), 5000, {});
  log_append(s, "v", Value(2), 3000, {});
  RangeResult r = log_range(s, "v", {}, 0);
  REQUIRE(r.entries.size() == 2);
  CHECK(r.entries[0].entry.time_ms == 5000);
  CHECK(r.entries[1].entry.time_ms == 5000);
}

TEST_CASE("retention by count drops the oldest entries as new ones come") {
  MemoryLogStorage s;
  AppendOptions o;
  o.max_count = 10;
  append_n(s, 0, 100, 1000, o);
  CHECK(log_count(s, "v") == 10);
  CHECK(s.entries.size() == 10);
  RangeQuery q;
  q.oldest_first = true;
  CHECK(number_of(log_range(s, "v", q, 0).entries.front()) == 90);
}

TEST_CASE("a lower limit catches up a few entries per append, never rewriting the log") {
  MemoryLogStorage s;
  append_n(s, 0, 100);
  AppendOptions o;
  o.max_count = 10;
  log_append(s, "v", Value(100), 2000, o);
  CHECK(log_count(s, "v") == 101 - kMaxDropsPerAppend);
  for (int i = 0; i < 20; ++i) log_append(s, "v", Value(101 + i), 2001 + i, o);
  CHECK(log_count(s, "v") == 10);
  CHECK(s.entries.size() == 10);
}

TEST_CASE("retention by age drops old entries and hides them from ranges") {
  MemoryLogStorage s;
  AppendOptions o;
  o.max_age_ms = 100;
  for (int i = 0; i < 50; ++i) log_append(s, "v", Value(i), 1000 + i * 10, o);  // up to 1490
  // The last append was at 1490: everything before 1390 went.
  RangeQuery q;
  q.limit = 1000;
  RangeResult r = log_range(s, "v", q, 1490);
  REQUIRE(r.entries.size() == 11);
  CHECK(r.entries.back().entry.time_ms == 1390);
  // Later, with no appends, a range hides what has aged since.
  CHECK(log_range(s, "v", q, 1545).entries.size() == 5);
  CHECK(log_range(s, "v", q, 5000).entries.empty());
}

TEST_CASE("a log held at its count reads its head's age on one append in kAgeCheckEvery") {
  MemoryLogStorage s;
  AppendOptions o;
  o.max_count = 10;
  o.max_age_ms = 1000;
  for (int i = 0; i < 10; ++i) log_append(s, "v", Value(i), 1000 + i, o);
  // At its count: each append drops the head by count; the age of the new
  // head is read on one append in kAgeCheckEvery, not on each.
  s.entry_reads = 0;
  const int appends = static_cast<int>(kAgeCheckEvery) * 8;
  for (int i = 0; i < appends; ++i) log_append(s, "v", Value(i), 1100 + i, o);
  CHECK(s.entry_reads <= 8 + 1);
  CHECK(log_count(s, "v") == 10);
  // Entries past the age limit are still dropped, at most kAgeCheckEvery appends late,
  // and no reader ever sees them.
  for (int i = 0; i < 5; ++i) log_append(s, "v", Value(i), 5000 + i, o);
  RangeQuery q;
  q.limit = 1000;
  CHECK(log_range(s, "v", q, 5004).entries.size() == 5);
  for (int i = 5; i < static_cast<int>(kAgeCheckEvery) + 5; ++i) {
    log_append(s, "v", Value(i), 5000 + i, o);
  }
  CHECK(log_count(s, "v") == 10);
  CHECK(s.entries.size() == 10);
}

TEST_CASE("a key makes an append happen once, and goes with its entry") {
  MemoryLogStorage s;
  AppendOptions o;
  o.key = "violation-1";
  o.max_count = 3;
  AppendResult first = log_append(s, "v", Value("a"), 1000, o);
  CHECK(first.appended);
  AppendResult again = log_append(s, "v", Value("b"), 1001, o);
  CHECK_FALSE(again.appended);
  CHECK(again.seq == first.seq);
  CHECK(log_count(s, "v") == 1);
  CHECK(log_has(s, "v", "violation-1"));
  for (int i = 2; i <= 5; ++i) {
    o.key = "violation-" + std::to_string(i);
    log_append(s, "v", Value(i), 1000 + i, o);
  }
  CHECK_FALSE(log_has(s, "v", "violation-1"));
  CHECK(s.keys.size() == 3);
  o.key = "violation-1";
  CHECK(log_append(s, "v", Value("c"), 2000, o).appended);
}

TEST_CASE("clear empties a log, its numbering goes on and old cursors stay meaningful") {
  MemoryLogStorage s;
  AppendOptions o;
  o.key = "k";
  log_append(s, "v", Value(1), 1000, o);
  append_n(s, 0, 10);
  log_clear(s, "v");
  CHECK(log_count(s, "v") == 0);
  CHECK(s.entries.empty());
  CHECK_FALSE(log_has(s, "v", "k"));
  log_append(s, "v", Value("after"), 3000, {});
  RangeResult r = log_range(s, "v", {}, 0);
  REQUIRE(r.entries.size() == 1);
  CHECK(r.entries[0].seq == 11);
}

TEST_CASE("logs of different names are separate") {
  MemoryLogStorage s;
  log_append(s, "a", Value(1), 1000, {});
  log_append(s, "b", Value(2), 1000, {});
  log_append(s, "b", Value(3), 1000, {});
  CHECK(log_count(s, "a") == 1);
  CHECK(log_count(s, "b") == 2);
  CHECK(log_range(s, "missing", {}, 0).entries.empty());
}

TEST_CASE("a page of 25 reads about 25 entries, with 100 or 100,000 in the log") {
  for (int n : {100, 100000}) {
    MemoryLogStorage s;
    append_n(s, 0, n);
    s.entry_reads = 0;
    RangeResult r = log_range(s, "v", {}, 0);
    CHECK(r.entries.size() == 25);
    CHECK(s.entry_reads == 25);

    // A time bound adds a binary search: about 2 log2(n) reads.
    s.entry_reads = 0;
    RangeQuery q;
    q.since_ms = 1000 + n / 2;
    log_range(s, "v", q, 0);
    CHECK(s.entry_reads <= 25 + 2 * 18);

    // An append reads nothing (no key), even with an age limit it does not reach.
    s.entry_reads = 0;
    AppendOptions aged;
    aged.max_age_ms = 1000000;
    log_append(s, "v", Value(n), 1000 + n, aged);
    log_append(s, "v", Value(n + 1), 1001 + n, aged);
    CHECK(s.entry_reads <= 1);  // the head's time, once
    s.entry_reads = 0;
    log_append(s, "v", Value(n + 2), 1002 + n, aged);
    CHECK(s.entry_reads == 0);
  }
}

TEST_CASE("a page is one range read — entries missing under it cost one more each way") {
  RangeMemoryLogStorage s;
  for (int i = 0; i < 1000; ++i) log_append(s, "v", Value(i), 1000 + i, {});
  RangeResult r = log_range(s, "v", {}, 0);
  CHECK(s.range_reads == 1);
  CHECK(s.entry_reads == 0);
  REQUIRE(r.entries.size() == 25);
  CHECK(number_of(r.entries.front()) == 999);
  CHECK(number_of(r.entries.back()) == 975);

  // Entries gone from under the log (as while being dropped): the page still fills,
  // reading the next window for the ones missing.
  s.entries.erase({"v", 990});
  s.entries.erase({"v", 980});
  s.range_reads = 0;
  r = log_range(s, "v", {}, 0);
  CHECK(s.range_reads == 2);
  REQUIRE(r.entries.size() == 25);
  CHECK(number_of(r.entries.back()) == 973);
  REQUIRE(r.next);
  CHECK(*r.next == 973);

  RangeQuery oldest;
  oldest.oldest_first = true;
  oldest.cursor = 985;
  oldest.limit = 100;
  s.range_reads = 0;
  r = log_range(s, "v", oldest, 0);
  CHECK(s.range_reads == 1);
  REQUIRE(r.entries.size() == 13);  // 986..998 with 990 gone, then 999
  CHECK(number_of(r.entries.front()) == 986);
  CHECK(number_of(r.entries.back()) == 999);
  CHECK(!r.next);
}

}  // namespace
}  // namespace spime::runtime

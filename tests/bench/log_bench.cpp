// log_bench: what an append and a page of 25 cost in a pico's log
// (engine/runtime/logs/pico_log.h) over the real RocksDB store, with the log
// holding 1,000 and then 1,000,000 entries, for BENCHMARKS.md.
//
//   log_bench [--dir DIR] [--sizes 1000,1000000] [--samples 20000] [--sync]
//
// DIR (default /tmp/spime-log-bench) is wiped first. The log's state stays in
// memory as the pico's entity-variable cache keeps it; each measured append
// is its own WriteBatch written with Store::write (fsynced only with --sync:
// the engine's group commit shares one fsync among many picos, so without
// it the figure is the log's own cost). Pages start at uniformly random
// cursors, each read as the engine does (one range read) and again with a
// point read per entry, alternately; "since" pages add the binary search by
// time.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/runtime/logs/pico_log.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace {

using spime::krl::Value;
using spime::runtime::LogStorage;
namespace keys = spime::store::keys;

// The runtime's adapter without a pico: keys of one (pico, rid), writes into one batch.
class StoreLogStorage : public LogStorage {
 public:
  explicit StoreLogStorage(spime::store::Store& store) : store_(store) {}
  Value meta(std::string_view log) override { return metas_[std::string(log)]; }
  void set_meta(std::string_view log, const Value& m) override {
    metas_[std::string(log)] = m;
    batch_.put(keys::entvar("bench-pico", "bench", std::string("_log:") + std::string(log)),
               spime::krl::encode_json(m));
  }
  bool read_entry(std::string_view log, std::uint64_t seq, std::string* text) override {
    return store_.get(keys::log_entry("bench-pico", "bench", log, seq), text);
  }
  void read_entries(std::string_view log, std::uint64_t lo, std::uint64_t hi,
                    std::vector<std::pair<std::uint64_t, std::string>>* out) override {
    if (!use_range_reads) {
      LogStorage::read_entries(log, lo, hi, out);  // a point read per entry
      return;
    }
    store_.scan_range(keys::log_entry("bench-pico", "bench", log, lo),
                      keys::log_entry("bench-pico", "bench", log, hi),
                      [&](std::string_view key, std::string_view text) {
                        std::string pico, rid, name;
                        std::uint64_t seq = 0;
                        if (keys::parse_log_entry(key, &pico, &rid, &name, &seq)) {
                          out->emplace_back(seq, std::string(text));
                        }
                        return true;
                      });
  }
  void write_entry(std::string_view log, std::uint64_t seq, std::string text) override {
    batch_.put(keys::log_entry("bench-pico", "bench", log, seq), text);
  }
  void erase_entry(std::string_view log, std::uint64_t seq) override {
    batch_.erase(keys::log_entry("bench-pico", "bench", log, seq));
  }
  std::optional<std::uint64_t> read_key(std::string_view, std::string_view) override {
    return std::nullopt;
  }
  void write_key(std::string_view, std::string_view, std::uint64_t) override {}
  void erase_key(std::string_view, std::string_view) override {}
  void erase_all(std::string_view) override {}

  bool use_range_reads = true;

  void commit() {
    std::string error;
    if (!store_.write(batch_, &error)) {
      std::fprintf(stderr, "log_bench: write failed: %s\n", error.c_str());
      std::exit(1);
    }
    batch_.clear();
  }

 private:
  spime::store::Store& store_;
  spime::store::WriteBatch batch_;
  std::map<std::string, Value> metas_;
};

// A violation as a collection logs it (about 300 bytes of JSON).
Value violation(std::uint64_t i) {
  spime::krl::Map m;
  m.set("id", Value("dev-" + std::to_string(i % 1000) + ":" + std::to_string(i)));
  m.set("device_name", Value("msa_" + std::to_string(i % 1000)));
  m.set("device_id", Value("ckq3h0d1x0001lx0a8b2c3d4e"));
  m.set("sensor_type", Value("temperature"));
  m.set("value", Value(80.5 + static_cast<double>(i % 20)));
  m.set("threshold", Value(80));
  m.set("direction", Value("above"));
  m.set("message", Value("Temperature reads 91.2, above its upper limit 80"));
  m.set("device_timestamp", Value("2026-12-06T07:00:00.000Z"));
  return Value(std::move(m));
}

double micros_since(std::chrono::steady_clock::time_point t0, std::uint64_t n) {
  auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0);
  return us.count() / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/spime-log-bench";
  std::vector<std::uint64_t> sizes{1000, 1000000};
  std::uint64_t samples = 20000;
  bool sync = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::stringstream ss(argv[++i]);
      for (std::string part; std::getline(ss, part, ',');) sizes.push_back(std::stoull(part));
    } else if (a == "--samples" && i + 1 < argc) {
      samples = std::stoull(argv[++i]);
    } else if (a == "--sync") {
      sync = true;
    } else {
      std::fprintf(stderr, "usage: log_bench [--dir DIR] [--sizes N,M] [--samples K] [--sync]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  spime::store::Store::Options options;
  options.sync_commits = sync;
  std::string error;
  auto store = spime::store::Store::open(dir, options, &error);
  if (!store) {
    std::fprintf(stderr, "log_bench: %s\n", error.c_str());
    return 1;
  }
  StoreLogStorage log(*store);
  std::mt19937_64 rng(42);
  std::int64_t now = 1700000000000;
  std::uint64_t count = 0;
  std::printf(
      "| entries in the log | append | page of 25 (random cursor), one range read |"
      " same pages, 25 point reads | page of 25 since a time | entries per page |\n"
      "| --: | --: | --: | --: | --: | --: |\n");
  for (std::uint64_t size : sizes) {
    // Fill up to size - measured (the measured appends bring it to size), 1,000 per batch.
    const std::uint64_t measured = std::min(samples, size / 2);
    std::uint64_t target = size - measured;
    while (count < target) {
      for (int k = 0; k < 1000 && count < target; ++k, ++count) {
        spime::runtime::log_append(log, "violations", violation(count), now++, {});
      }
      log.commit();
    }
    auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t k = 0; k < measured; ++k, ++count) {
      spime::runtime::log_append(log, "violations", violation(count), now++, {});
      log.commit();
    }
    double append_us = micros_since(t0, measured);

    const std::uint64_t pages = std::min<std::uint64_t>(samples, 5000);
    std::uniform_int_distribution<std::uint64_t> pick(25, count);
    std::uint64_t entries_read = 0;
    // The same pages read both ways, alternately in blocks of 100 (a machine's drift hits
    // both alike): one range read, then a point read per entry.
    double page_us = 0, point_page_us = 0;
    for (std::uint64_t block = 0; block < pages / 100; ++block) {
      std::vector<std::uint64_t> cursors(100);
      for (auto& c : cursors) c = pick(rng);
      for (bool range : {true, false}) {
        log.use_range_reads = range;
        auto tb = std::chrono::steady_clock::now();
        for (std::uint64_t c : cursors) {
          spime::runtime::RangeQuery q;
          q.cursor = c;
          std::size_t n = spime::runtime::log_range(log, "violations", q, now).entries.size();
          if (range) entries_read += n;
        }
        (range ? page_us : point_page_us) += micros_since(tb, pages);
      }
    }
    log.use_range_reads = true;
    const std::int64_t first_time = now - static_cast<std::int64_t>(count);
    std::uniform_int_distribution<std::int64_t> pick_time(first_time, now - 25);
    t0 = std::chrono::steady_clock::now();
    for (std::uint64_t k = 0; k < pages; ++k) {
      spime::runtime::RangeQuery q;
      q.since_ms = pick_time(rng);
      q.oldest_first = true;
      spime::runtime::log_range(log, "violations", q, now);
    }
    double since_us = micros_since(t0, pages);
    std::printf("| %llu | %.1f µs | %.1f µs | %.1f µs | %.1f µs | %.1f |\n",
                static_cast<unsigned long long>(count), append_us, page_us, point_page_us, since_us,
                static_cast<double>(entries_read) / static_cast<double>(pages / 100 * 100));
    std::fflush(stdout);
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\nmax RSS %ld MB; %s\n", ru.ru_maxrss / 1024,
              sync ? "each append fsynced" : "appends not fsynced (the log's own cost)");
  return 0;
}

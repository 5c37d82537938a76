// What the store tells the metrics (engine/runtime/metrics/): each group
// commit's size and time (Committer's observer, Store::Options::
// on_commit_group) and RocksDB's properties (Store::stats).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/store/committer.h"
#include "engine/store/store.h"
#include "store_test_util.h"

using spime::store::Committer;
using spime::store::Store;
using spime::store::WriteBatch;
namespace st = spime::store::testing;
using namespace std::chrono_literals;

TEST_CASE("committer: the observer sees every group, its size and its write time", "[store]") {
  std::mutex mu;
  std::vector<size_t> sizes;
  std::vector<std::chrono::nanoseconds> times;
  Committer committer(
      [](const std::vector<const WriteBatch*>&, std::string*) {
        std::this_thread::sleep_for(2ms);  // the "write" (no I/O here)
        return true;
      },
      /*sync=*/false, 100,
      [&](size_t batches, std::chrono::nanoseconds took) {
        std::lock_guard<std::mutex> lock(mu);
        sizes.push_back(batches);
        times.push_back(took);
      });
  // Paused: the seven queued batches become one group.
  committer.pause();
  st::Latch seven(7);
  for (int i = 0; i < 7; ++i) {
    WriteBatch b;
    b.put("k" + std::to_string(i), "v");
    REQUIRE(committer.try_submit(b, [&](bool, const std::string&) { seven.count_down(); }));
  }
  committer.resume();
  REQUIRE(seven.wait_for(10s));
  WriteBatch b;
  b.put("k", "v");
  st::Latch one(1);
  REQUIRE(committer.try_submit(b, [&](bool, const std::string&) { one.count_down(); }));
  REQUIRE(one.wait_for(10s));
  std::lock_guard<std::mutex> lock(mu);
  CHECK(sizes == std::vector<size_t>{7, 1});
  for (auto t : times) CHECK(t >= 2ms);
}

TEST_CASE("store: its options carry the observer — stats read RocksDB's properties", "[store]") {
  st::TempDir tmp;
  std::atomic<size_t> observed{0};
  Store::Options options;
  options.block_cache_bytes = size_t{8} << 20;
  options.on_commit_group = [&](size_t batches, std::chrono::nanoseconds) { observed += batches; };
  auto store = st::open_ok(tmp.path(), options);
  st::Latch three(3);
  // Counted on the committer's thread, checked on this one (Catch2 v2's
  // assertions are not thread-safe).
  std::atomic<int> committed{0};
  for (int i = 0; i < 3; ++i) {
    WriteBatch b;
    b.put("x/" + std::to_string(i), std::string(100, 'v'));
    REQUIRE(store->committer().try_submit(b, [&](bool ok, const std::string&) {
      if (ok) ++committed;
      three.count_down();
    }));
  }
  REQUIRE(three.wait_for(10s));
  CHECK(committed.load() == 3);
  CHECK(observed.load() == 3);
  Store::Stats s = store->stats();
  CHECK(s.estimated_keys >= 3);  // the three and the schema version, in the memtable
  CHECK(s.block_cache_capacity == size_t{8} << 20);
  CHECK(s.memtable_bytes > 0);
}

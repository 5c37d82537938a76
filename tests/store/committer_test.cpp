#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
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

namespace {

WriteBatch one_put(const std::string& key, const std::string& value = "v") {
  WriteBatch b;
  b.put(key, value);
  return b;
}

std::string key_of(int thread, int i) {
  return "k/" + std::to_string(thread) + "/" + std::to_string(i);
}

}  // namespace

TEST_CASE("committer: concurrent submitters are all acknowledged exactly once and durable",
          "[store]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  st::TempDir tmp;
  std::vector<std::atomic<int>> calls(kThreads * kPerThread);
  std::atomic<int> failures{0};
  {
    auto store = st::open_ok(tmp.path());
    st::Latch all_done(kThreads * kPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          WriteBatch b;
          b.put(key_of(t, i), "a");
          b.put(key_of(t, i) + "/b", "b");
          int slot = t * kPerThread + i;
          while (!store->committer().try_submit(b, [&, slot](bool ok, const std::string&) {
            if (!ok) failures++;
            calls[slot]++;
            all_done.count_down();
          })) {
            std::this_thread::sleep_for(1ms);  // queue full: back off as the HTTP layer would
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(all_done.wait_for(60s));
    auto stats = store->committer().stats();
    CHECK(stats.batches == kThreads * kPerThread);
    CHECK(stats.groups >= 1);
    CHECK(stats.groups <= stats.batches);
    CHECK(stats.fsyncs == stats.groups);  // sync_commits defaults to on
    CHECK(stats.failed_groups == 0);
    CHECK(stats.average_group_size() >= 1.0);
    CHECK(store->committer().pending() == 0);
  }
  CHECK(failures == 0);
  for (auto& c : calls) REQUIRE(c == 1);

  auto store = st::open_ok(tmp.path());
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      REQUIRE(store->get(key_of(t, i), nullptr));
      REQUIRE(store->get(key_of(t, i) + "/b", nullptr));
    }
  }
}

TEST_CASE("committer: a full queue refuses at once without calling back", "[store]") {
  st::TempDir tmp;
  Store::Options options;
  options.max_pending_batches = 8;
  auto store = st::open_ok(tmp.path(), options);
  Committer& committer = store->committer();
  CHECK(committer.max_pending() == 8);
  committer.pause();

  st::Latch eight(8);
  for (int i = 0; i < 8; ++i) {
    REQUIRE(committer.try_submit(one_put(key_of(0, i)), [&](bool ok, const std::string&) {
      CHECK(ok);
      eight.count_down();
    }));
  }
  CHECK(committer.pending() == 8);
  bool refused_called = false;
  CHECK_FALSE(committer.try_submit(one_put("k/refused"),
                                   [&](bool, const std::string&) { refused_called = true; }));
  CHECK(committer.stats().refused == 1);
  CHECK_FALSE(eight.wait_for(50ms));  // paused: nothing is written yet

  committer.resume();
  REQUIRE(eight.wait_for(30s));
  CHECK(committer.stats().groups == 1);  // everything waiting went out as one group
  CHECK(committer.stats().average_group_size() == 8.0);
  CHECK(committer.stats().batches == 8);

  st::Latch more(1);
  CHECK(committer.try_submit(one_put("k/more"),
                             [&](bool, const std::string&) { more.count_down(); }));
  REQUIRE(more.wait_for(30s));
  CHECK_FALSE(refused_called);
  CHECK_FALSE(store->get("k/refused", nullptr));
  CHECK(store->get("k/more", nullptr));
}

TEST_CASE("committer: shutdown drains the queue even when paused and then refuses", "[store]") {
  st::TempDir tmp;
  constexpr int kCount = 50;
  std::atomic<int> acked{0};
  {
    auto store = st::open_ok(tmp.path());
    store->committer().pause();
    for (int i = 0; i < kCount; ++i) {
      REQUIRE(
          store->committer().try_submit(one_put(key_of(1, i)), [&](bool ok, const std::string&) {
            if (ok) acked++;
          }));
    }
    CHECK(acked == 0);
    store->committer().shutdown();
    CHECK(acked == kCount);
    CHECK_FALSE(store->committer().try_submit(one_put("k/late"), nullptr));
    store->committer().shutdown();  // idempotent
  }
  {
    // Destroying the store drains too.
    auto store = st::open_ok(tmp.path());
    store->committer().pause();
    for (int i = 0; i < kCount; ++i) {
      REQUIRE(
          store->committer().try_submit(one_put(key_of(2, i)), [&](bool ok, const std::string&) {
            if (ok) acked++;
          }));
    }
  }
  CHECK(acked == 2 * kCount);
  auto store = st::open_ok(tmp.path());
  for (int i = 0; i < kCount; ++i) {
    CHECK(store->get(key_of(1, i), nullptr));
    CHECK(store->get(key_of(2, i), nullptr));
  }
  CHECK_FALSE(store->get("k/late", nullptr));
}

TEST_CASE("committer: groups keep submission order and share the outcome", "[store]") {
  std::mutex mu;
  std::vector<std::vector<std::string>> groups;
  bool fail = false;
  Committer committer(
      [&](const std::vector<const WriteBatch*>& group, std::string* error) {
        std::lock_guard<std::mutex> lock(mu);
        std::vector<std::string> ks;
        for (const WriteBatch* b : group) ks.push_back(b->ops().at(0).key);
        groups.push_back(ks);
        if (fail) *error = "disk full";
        return !fail;
      },
      /*sync=*/false, 100);

  committer.pause();
  std::vector<std::string> order;
  st::Latch ten(10);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(committer.try_submit(one_put(std::to_string(i)), [&, i](bool ok, const std::string&) {
      CHECK(ok);
      order.push_back(std::to_string(i));  // callbacks run on the one committer thread
      ten.count_down();
    }));
  }
  committer.resume();
  REQUIRE(ten.wait_for(30s));
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(groups.size() == 1);
    CHECK(groups[0] == std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
    fail = true;
  }
  CHECK(order == groups[0]);
  CHECK(committer.stats().fsyncs == 0);  // sync off

  // A failed write reaches every submitter of the group with the error.
  committer.pause();
  std::atomic<int> failed{0};
  st::Latch two(2);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(committer.try_submit(one_put("f"), [&](bool ok, const std::string& error) {
      if (!ok && error == "disk full") failed++;
      two.count_down();
    }));
  }
  committer.resume();
  REQUIRE(two.wait_for(30s));
  CHECK(failed == 2);
  CHECK(committer.stats().failed_groups == 1);
}

TEST_CASE("committer: callbacks may resubmit and a throwing callback spoils nothing", "[store]") {
  st::TempDir tmp;
  auto store = st::open_ok(tmp.path());
  Committer& committer = store->committer();
  st::Latch chained(1);
  st::Latch second(1);
  committer.pause();
  REQUIRE(committer.try_submit(one_put("k/first"), [&](bool, const std::string&) {
    // Runs on the committer thread: submitting from here must not deadlock.
    CHECK(committer.try_submit(one_put("k/chained"), [&](bool ok, const std::string&) {
      if (ok) chained.count_down();
    }));
    throw std::runtime_error("callback bug");
  }));
  REQUIRE(committer.try_submit(one_put("k/second"), [&](bool ok, const std::string&) {
    if (ok) second.count_down();
  }));
  committer.resume();
  REQUIRE(second.wait_for(30s));
  REQUIRE(chained.wait_for(30s));
  CHECK(store->get("k/chained", nullptr));
}

TEST_CASE("committer: sequence numbers and when_durable", "[store]") {
  st::TempDir tmp;
  auto store = st::open_ok(tmp.path());
  Committer& committer = store->committer();
  CHECK(committer.durable_seq() == 0);

  // Already durable (or seq 0): the callback runs at once, on this thread.
  bool now = false;
  committer.when_durable(0, [&](bool ok, const std::string&) { now = ok; });
  CHECK(now);

  committer.pause();
  uint64_t a = committer.try_submit(one_put("k/a"));
  uint64_t b = committer.try_submit(one_put("k/b"));
  REQUIRE(a > 0);
  CHECK(b == a + 1);
  CHECK(committer.last_seq() == b);
  // Held while b is not durable; released after b's own callback.
  std::mutex mu;
  std::vector<std::string> order;
  st::Latch released(2);
  committer.when_durable(b, [&](bool ok, const std::string&) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(ok ? "waiter-b" : "failed");
    released.count_down();
  });
  uint64_t c = committer.try_submit(one_put("k/c"), [&](bool ok, const std::string&) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(ok ? "batch-c" : "failed");
    released.count_down();
  });
  REQUIRE(c == b + 1);
  CHECK(committer.durable_seq() < b);
  committer.resume();
  REQUIRE(released.wait_for(30s));
  CHECK(committer.durable_seq() >= c);
  std::lock_guard<std::mutex> lock(mu);
  // Callbacks go in sequence order: the waiter for b before c's batch callback.
  CHECK(order == std::vector<std::string>{"waiter-b", "batch-c"});
}

TEST_CASE("committer: a failed write fails every later batch and waiter", "[store]") {
  std::atomic<int> writes{0};
  Committer committer(
      [&](const std::vector<const WriteBatch*>&, std::string* error) {
        if (writes.fetch_add(1) == 0) return true;
        *error = "disk full";
        return false;
      },
      /*sync=*/false, 100);
  st::Latch first(1);
  uint64_t ok_seq = committer.try_submit(one_put("1"), [&](bool ok, const std::string&) {
    CHECK(ok);
    first.count_down();
  });
  REQUIRE(first.wait_for(30s));
  CHECK(committer.durable_seq() == ok_seq);

  st::Latch failed(3);
  std::atomic<int> errors{0};
  auto expect_failure = [&](bool ok, const std::string& error) {
    if (!ok && error == "disk full") errors++;
    failed.count_down();
  };
  uint64_t bad = committer.try_submit(one_put("2"), expect_failure);
  REQUIRE(failed.wait_for(100ms) == false);  // still one to go: not all three yet
  uint64_t later = committer.try_submit(one_put("3"), expect_failure);
  REQUIRE(later == bad + 1);
  committer.when_durable(later, expect_failure);
  REQUIRE(failed.wait_for(30s));
  CHECK(errors == 3);
  CHECK(committer.durable_seq() == ok_seq);  // stops at the last good batch
  CHECK(writes == 2);                        // nothing is written after the failure
  // A waiter for a number already durable still succeeds.
  bool ok_before = false;
  committer.when_durable(ok_seq, [&](bool ok, const std::string&) { ok_before = ok; });
  CHECK(ok_before);
}

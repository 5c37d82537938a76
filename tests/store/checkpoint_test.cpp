// Store::checkpoint (engine/store/store.h, "Online backups"): a copy taken
// while the committer writes holds every write acknowledged before the call,
// opens as a store of its own, never blocks its caller or the committer, and
// refuses bad paths, existing ones and a second copy at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "store_test_util.h"

using spime::store::Store;
using spime::store::WriteBatch;
namespace keys = spime::store::keys;
namespace st = spime::store::testing;
using Outcome = Store::CheckpointResult::Outcome;
using namespace std::chrono_literals;

namespace {

// Starts a checkpoint and waits (bounded) for its answer.
Store::CheckpointResult checkpoint_now(Store& store, const std::string& dir) {
  auto answer = std::make_shared<std::promise<Store::CheckpointResult>>();
  std::future<Store::CheckpointResult> got = answer->get_future();
  store.checkpoint(dir, [answer](const Store::CheckpointResult& r) { answer->set_value(r); });
  REQUIRE(got.wait_for(30s) == std::future_status::ready);
  return got.get();
}

// Submits `b` to the committer and waits (bounded) until it is durable.
bool commit(Store& store, WriteBatch b) {
  auto durable = std::make_shared<std::promise<bool>>();
  std::future<bool> ok = durable->get_future();
  if (store.committer().try_submit(std::move(b), [durable](bool good, const std::string&) {
        durable->set_value(good);
      }) == 0) {
    return false;
  }
  return ok.wait_for(10s) == std::future_status::ready && ok.get();
}

std::string key_of(int writer, int n) {
  return keys::counter("w" + std::to_string(writer) + "/" + std::to_string(n));
}

}  // namespace

TEST_CASE("checkpoint: every write acknowledged before the call is in the copy", "[store]") {
  st::TempDir dir;
  std::unique_ptr<Store> store = st::open_ok(dir.path() + "/data");
  constexpr int kWriters = 4;
  constexpr int kMaxEach = 20000;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<int> acked(kWriters, 0);  // writer w: keys 0..acked[w]-1 are durable
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int n = 0; n < kMaxEach && !stop.load(); ++n) {
        WriteBatch b;
        b.put(key_of(w, n), std::to_string(n));
        if (!commit(*store, std::move(b))) return;
        std::lock_guard<std::mutex> lock(mu);
        acked[w] = n + 1;
      }
    });
  }
  auto enough = [&] {
    std::lock_guard<std::mutex> lock(mu);
    for (int a : acked)
      if (a < 50) return false;
    return true;
  };
  for (int i = 0; i < 2000 && !enough(); ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(enough());

  std::vector<int> before;
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acked;
  }
  const std::string copy = dir.path() + "/copy";
  Store::CheckpointResult r = checkpoint_now(*store, copy);
  stop = true;
  for (std::thread& t : writers) t.join();
  INFO(r.error);
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.dir == copy);
  CHECK(r.sequence > 0);
  CHECK(r.ms >= 0);
  CHECK(!std::filesystem::exists(copy + ".tmp"));

  std::unique_ptr<Store> restored = st::open_ok(copy);
  CHECK(!restored->is_fresh());
  for (int w = 0; w < kWriters; ++w) {
    INFO("writer " << w << ": " << before[w] << " acknowledged before the checkpoint");
    for (int n = 0; n < before[w]; ++n) {
      std::string v;
      REQUIRE(restored->get(key_of(w, n), &v));
      CHECK(v == std::to_string(n));
    }
  }
}

TEST_CASE("checkpoint: neither the caller nor the committer waits for a copy", "[store]") {
  st::TempDir dir;
  std::unique_ptr<Store> store = st::open_ok(dir.path() + "/data");
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto held = std::make_shared<std::promise<void>>();
  std::future<void> is_held = held->get_future();
  auto answer = std::make_shared<std::promise<Store::CheckpointResult>>();
  std::future<Store::CheckpointResult> got = answer->get_future();
  store->checkpoint(
      dir.path() + "/copy", [answer](const Store::CheckpointResult& r) { answer->set_value(r); },
      [held, released] {
        held->set_value();
        released.wait_for(30s);
      });
  // The call returned: the copy is held on the checkpoint thread.
  REQUIRE(is_held.wait_for(10s) == std::future_status::ready);

  // The committer still commits meanwhile.
  for (int n = 0; n < 20; ++n) {
    WriteBatch b;
    b.put(keys::counter("during/" + std::to_string(n)), "x");
    CHECK(commit(*store, std::move(b)));
  }
  // A second copy meanwhile is refused at once, not queued.
  Store::CheckpointResult busy = checkpoint_now(*store, dir.path() + "/other");
  CHECK(busy.outcome == Outcome::kBusy);
  CHECK(!std::filesystem::exists(dir.path() + "/other"));

  release.set_value();
  REQUIRE(got.wait_for(30s) == std::future_status::ready);
  Store::CheckpointResult r = got.get();
  INFO(r.error);
  CHECK(r.outcome == Outcome::kDone);
  // The slot is free again as soon as the answer came.
  CHECK(checkpoint_now(*store, dir.path() + "/second").outcome == Outcome::kDone);
}

TEST_CASE("checkpoint: bad, existing and nested paths are refused and change nothing", "[store]") {
  st::TempDir dir;
  const std::string data = dir.path() + "/data";
  std::unique_ptr<Store> store = st::open_ok(data);
  std::filesystem::create_directories(dir.path() + "/taken");

  struct Case {
    std::string path;
    Outcome outcome;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"relative/copy", Outcome::kBadPath, "absolute"},
      {"", Outcome::kBadPath, "absolute"},
      {"/", Outcome::kBadPath, "cannot be /"},
      {dir.path() + "/taken", Outcome::kExists, "already exists"},
      {dir.path() + "/taken/", Outcome::kExists, "already exists"},
      {dir.path() + "/missing/copy", Outcome::kBadPath, "does not exist"},
      {data + "/copy", Outcome::kBadPath, "inside the data directory"},
      {dir.path() + "/x/../data/copy", Outcome::kBadPath, "inside the data directory"},
  };
  for (const Case& c : cases) {
    INFO("path '" << c.path << "'");
    Store::CheckpointResult r = checkpoint_now(*store, c.path);
    CHECK(r.outcome == c.outcome);
    CHECK_THAT(r.error, Catch::Contains(c.says));
  }
  CHECK(!std::filesystem::exists(dir.path() + "/missing"));
  CHECK(!std::filesystem::exists(data + "/copy"));
  CHECK(std::filesystem::is_empty(dir.path() + "/taken"));
}

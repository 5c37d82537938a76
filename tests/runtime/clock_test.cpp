// The engine's clock (timers/clock.h) and the schedule timer on a driven one:
// what is due follows the clock, not the system's time, and fire_due_now()
// returns once a scan at the clock's now is done.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "engine/runtime/timers/clock.h"
#include "engine/runtime/timers/schedule_records.h"
#include "engine/runtime/timers/schedule_timer.h"
#include "engine/store/store.h"
#include "tests/temp_dir.h"

using namespace spime;
using namespace spime::runtime;
using std::chrono::milliseconds;

using spime::testing::TempDir;

namespace {

size_t due_keys(const store::Store& s, std::uint64_t now) {
  size_t n = 0;
  schedule_records::due(
      s, now, 100,
      [&](const std::string&, const std::string&, const std::string&, const std::string&) { ++n; });
  return n;
}

}  // namespace

TEST_CASE("clock: the manual clock moves only when told", "[clock]") {
  ManualClock clock(1000);
  CHECK(clock.now_ms() == 1000);
  CHECK(clock.advance(250) == 1250);
  CHECK(clock.advance(-50) == 1200);
  CHECK(clock.now_ms() == 1200);
  clock.set(7);
  CHECK(clock.now_ms() == 7);
}

TEST_CASE("clock: the system clock is the system's time", "[clock]") {
  using namespace std::chrono;
  const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::int64_t now = wall_clock()->now_ms();
  const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  CHECK(before <= now);
  CHECK(now <= after);
}

TEST_CASE("clock: the schedule timer fires by its clock", "[clock]") {
  TempDir dir;
  store::Store::Options o;
  o.sync_commits = false;
  std::string error;
  auto s = store::Store::open(dir.path(), o, &error);
  INFO(error);
  REQUIRE(s);

  // A due key whose entry is gone (as after schedule:remove): when the timer
  // meets it, it sends nothing and removes the key.
  const std::uint64_t due = 5000;
  store::WriteBatch batch;
  schedule_records::put_due(&batch, due, "sched-1", "pico-1", "some.rid");
  REQUIRE(s->write(batch, &error));

  auto clock = std::make_shared<ManualClock>(1000);
  std::atomic<int> sent{0};
  ScheduleTimer timer(
      *s, clock,
      [&](api::EventRequest, const ScheduleFiring&) {
        ++sent;
        return api::Status::ok();
      },
      nullptr);

  // Not due yet by the clock (the system's time is long past 5000).
  REQUIRE(timer.fire_due_now(milliseconds(5000)));
  CHECK(due_keys(*s, due) == 1);
  clock->advance(3999);
  REQUIRE(timer.fire_due_now(milliseconds(5000)));
  CHECK(due_keys(*s, due) == 1);
  // Due: met by the scan fire_due_now waits for.
  clock->advance(1);
  REQUIRE(timer.fire_due_now(milliseconds(5000)));
  CHECK(due_keys(*s, due) == 0);
  CHECK(sent == 0);

  timer.stop();
  CHECK_FALSE(timer.fire_due_now(milliseconds(100)));
}

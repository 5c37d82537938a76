// `schedule ... at` and `schedule ... repeat`: the event is stored with the
// schedule's commit and sent to the pico when due, also across a restart of
// the engine; a repeat fires on every tick of its cron timespec until
// schedule:remove.
//
// The first case runs on the system clock (the timer's own 250 ms ticks, a
// real second): the one check of the path a real engine takes. The others
// drive the engine's clock (spime serve --manual-clock, /api/clock): time
// moves only when the test says, and /api/clock answers once what is due
// then is queued at its pico, so they wait for no real seconds. A restart
// is still a real restart; the driven clock starts again at kClockStart
// with the process, so a test sets it back to where it was.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kScheduler = R"krl(
ruleset it.scheduler {
  meta { shares fired, scheduled, schedules }
  global {
    schedules = function() { schedule:list() }
    fired = function() { ent:fired.defaultsTo([]) }
    scheduled = function() { ent:id }
  }
  rule plan {
    select when sched plan
    pre { at = time:add(time:now(), {"seconds": event:attr("in").as("Number")}) }
    always {
      schedule sched event "wake" at at attributes {"n": event:attr("n")} setting(entry);
      ent:id := entry{"id"}
    }
  }
  rule wake {
    select when sched wake
    always { ent:fired := fired().append(event:attr("n")) }
  }
  rule every_second {
    select when sched repeat
    always {
      schedule sched event "wake" repeat event:attr("timespec") attributes {"n": 1}
        setting(entry);
      ent:id := entry{"id"}
    }
  }
  rule stop {
    select when sched stop
    schedule:remove(ent:id)
  }
}
)krl";

// Polls `fired` until it has `n` entries or `limit` passes.
json wait_for_fired(const SpimeServer& server, const std::string& eci, size_t n,
                    std::chrono::seconds limit) {
  json fired;
  eventually(
      [&] {
        fired = must_query(server, eci, "it.scheduler", "fired");
        return fired.size() >= n;
      },
      limit);
  return fired;
}

}  // namespace

TEST_CASE("schedule at: the event arrives when due (system clock)", "[integration]") {
  TempDir krl;
  SpimeServer server;
  std::string eci = new_child(server, server.owner_eci(), "sleeper");
  install_ruleset(server, eci, file_url(krl.write("it.scheduler.krl", kScheduler)), "it.scheduler");

  must_event(server, eci, "sched", "plan", {{"in", 1}, {"n", 7}});
  CHECK(must_query(server, eci, "it.scheduler", "scheduled").is_string());
  // Not before its time...
  CHECK(must_query(server, eci, "it.scheduler", "fired") == json::array());
  // ...and once it is due (the scheduler looks every 250 ms).
  CHECK(wait_for_fired(server, eci, 1, std::chrono::seconds(10)) == json::array({7}));
}

TEST_CASE("schedule at: not a millisecond early (driven clock)", "[integration]") {
  TempDir krl;
  SpimeServer server(manual_clock());
  std::string eci = new_child(server, server.owner_eci(), "sleeper");
  install_ruleset(server, eci, file_url(krl.write("it.scheduler.krl", kScheduler)), "it.scheduler");
  // time:now() reads the engine's clock: due at kClockStart + 1000.
  must_event(server, eci, "sched", "plan", {{"in", 1}, {"n", 7}});
  CHECK(advance_clock(server, 999) == kClockStart + 999);
  CHECK(must_query(server, eci, "it.scheduler", "fired") == json::array());
  advance_clock(server, 1);
  CHECK(wait_for_fired(server, eci, 1, std::chrono::seconds(10)) == json::array({7}));
}

TEST_CASE("schedule at: a schedule survives a restart and fires once", "[integration]") {
  TempDir krl;
  SpimeServer server(manual_clock());
  std::string eci = new_child(server, server.owner_eci(), "sleeper");
  install_ruleset(server, eci, file_url(krl.write("it.scheduler.krl", kScheduler)), "it.scheduler");
  must_event(server, eci, "sched", "plan", {{"in", 2}, {"n", 9}});
  server.restart();
  CHECK(must_query(server, eci, "it.scheduler", "fired") == json::array());
  advance_clock(server, 2000);
  CHECK(wait_for_fired(server, eci, 1, std::chrono::seconds(10)) == json::array({9}));
  // Fired once: nothing more arrives, however late it gets.
  advance_clock(server, 60000);
  CHECK(must_query(server, eci, "it.scheduler", "fired") == json::array({9}));
}

TEST_CASE("schedule repeat: fires on every tick until removed, also after a restart",
          "[integration]") {
  TempDir krl;
  SpimeServer server(manual_clock());
  std::string eci = new_child(server, server.owner_eci(), "ticker");
  install_ruleset(server, eci, file_url(krl.write("it.scheduler.krl", kScheduler)), "it.scheduler");

  // A bad timespec fails the rule and schedules nothing.
  HttpResult bad = server.event(eci, "sched", "repeat", {{"timespec", "every second"}});
  CHECK(bad.status == 500);
  CHECK_THAT(bad.text, Catch::Contains("cron"));
  CHECK(must_query(server, eci, "it.scheduler", "scheduled").is_null());

  // Every second, from kClockStart (a whole second): one firing a second.
  must_event(server, eci, "sched", "repeat", {{"timespec", "* * * * * *"}});
  CHECK(must_query(server, eci, "it.scheduler", "fired").empty());
  advance_clock(server, 1000);
  CHECK(wait_for_fired(server, eci, 1, std::chrono::seconds(10)).size() == 1);
  std::int64_t now = advance_clock(server, 1000);
  CHECK(wait_for_fired(server, eci, 2, std::chrono::seconds(10)).size() == 2);

  server.restart();
  set_clock(server, now);  // the clock went back to kClockStart with the process
  CHECK(must_query(server, eci, "it.scheduler", "fired").size() == 2);
  advance_clock(server, 1000);
  advance_clock(server, 1000);
  CHECK(wait_for_fired(server, eci, 4, std::chrono::seconds(10)).size() == 4);

  // Removed: no tick was on its way (the clock stood still), none comes.
  must_event(server, eci, "sched", "stop");
  for (int i = 0; i < 3; ++i) advance_clock(server, 1000);
  CHECK(must_query(server, eci, "it.scheduler", "fired").size() == 4);
}

TEST_CASE("schedule repeat: dropped once the channel it sends to is deleted", "[integration]") {
  TempDir krl;
  SpimeServer server(manual_clock());
  std::string eci = new_child(server, server.owner_eci(), "ticker");
  install_ruleset(server, eci, file_url(krl.write("it.scheduler.krl", kScheduler)), "it.scheduler");
  json open_events = {{"allow", json::array({{{"domain", "*"}, {"name", "*"}}})},
                      {"deny", json::array()}};
  json open_queries = {{"allow", json::array({{{"rid", "*"}, {"name", "*"}}})},
                       {"deny", json::array()}};
  std::string ticks = new_channel(server, eci, "ticks", open_events, open_queries);

  // The schedule sends to the channel its scheduling event came in on.
  must_event(server, ticks, "sched", "repeat", {{"timespec", "* * * * * *"}});
  CHECK(must_query(server, eci, "it.scheduler", "schedules").size() == 1);
  advance_clock(server, 1000);
  REQUIRE(wait_for_fired(server, eci, 1, std::chrono::seconds(10)).size() == 1);

  must_event(server, eci, "wrangler", "channel_deletion_request", {{"eci", ticks}});
  // The next firing finds the channel gone and drops the repeat: it fires no
  // more. As in the reference, its entry stays in schedule:list (the
  // reference cancels the job and leaves the ruleset's _schedule alone).
  for (int i = 0; i < 3; ++i) advance_clock(server, 1000);
  CHECK(must_query(server, eci, "it.scheduler", "fired").size() == 1);
  CHECK(must_query(server, eci, "it.scheduler", "schedules").size() == 1);
}

TEST_CASE("/api/clock: only with --manual-clock, only for the owner", "[integration]") {
  SpimeServer plain;
  HttpResult off = plain.post("/api/clock?advance=1000&eci=" + url_encode(plain.owner_eci()), "");
  CHECK(off.status == 404);

  SpimeServer server(manual_clock());
  CHECK(server.post("/api/clock?advance=1000&eci=not-the-owner", "").status == 403);
  CHECK(server.post("/api/clock?advance=soon&eci=" + url_encode(server.owner_eci()), "").status ==
        400);
  CHECK(server.post("/api/clock?eci=" + url_encode(server.owner_eci()), "").status == 400);
  CHECK(advance_clock(server, 0) == kClockStart);
  CHECK(advance_clock(server, 1500) == kClockStart + 1500);
  CHECK(advance_clock(server, -500) == kClockStart + 1000);
  CHECK(set_clock(server, 42) == 42);
}

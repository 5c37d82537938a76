// HeldConnections (devices/hold_connections.h) against the real HTTP server
// in this process, in front of the test engine (tests/channels/
// test_engine.h): the ramp's pace, each connection's schedule, and a
// heartbeat that misses its deadline. Seconds each.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "channels/http_server.h"
#include "devices/hold_connections.h"
#include "tests/channels/test_engine.h"

namespace spime::devices_test {
namespace {

using channels::HttpServer;
using channels::HttpServerOptions;
using channels::testing::TestEngine;
using devices::HeldConnections;
using devices::HoldFigures;
using devices::HoldPlan;
using devices::LiveCounters;
using std::chrono::milliseconds;

struct Server {
  Server() : server(engine, HttpServerOptions{}) {
    std::string error;
    auto p = server.start(&error);
    INFO(error);
    REQUIRE(p);
    url.host = "127.0.0.1";
    url.port = *p;
  }
  TestEngine engine;
  HttpServer server;
  client::Url url;
};

// One run of `plan` against `s`, to its end; the figures.
HoldFigures hold(Server& s, const HoldPlan& plan, LiveCounters* live) {
  HeldConnections held(
      s.url, {"/sky/event/ECI1/heartbeat/wovyn/heartbeat"}, [](int) { return "{}"; }, plan, live);
  REQUIRE(held.start().empty());
  CHECK(held.wait_ramped(milliseconds(10'000)));
  CHECK(held.wait_held(milliseconds(20'000)));
  return held.finish();
}

}  // namespace

TEST_CASE("held connections: each keeps its schedule, every heartbeat answered",
          "[devices][hold]") {
  Server s;
  HoldPlan plan;
  plan.connections = 50;
  plan.interval = 1;
  plan.duration = 2.5;
  // Shorter than the interval: a deadline left armed after an answer would
  // send an extra heartbeat off the schedule.
  plan.request_timeout = milliseconds(300);
  LiveCounters live;
  const HoldFigures f = hold(s, plan, &live);
  CHECK(f.established == 50);
  CHECK(f.connect_failed == 0);
  CHECK(f.closed_by_server == 0);
  CHECK(f.dropped == 0);
  CHECK(f.open_at_end == 50);
  CHECK(f.first_error == "");
  const auto sent = live.sent.load();
  CHECK(live.acknowledged.load() == sent);
  CHECK(static_cast<std::int64_t>(s.engine.calls().size()) == sent);
  CHECK(f.by_status == std::map<int, std::int64_t>{{200, sent}});
  // Each connection's times are phase + k * 1 s in a window of 2.5 s (and
  // the ramp's few ms): 2 or 3 heartbeats each.
  CHECK(sent >= 2 * 50);
  CHECK(sent <= 3 * 50);
  CHECK(f.due_max_ms >= f.max_ms);
}

TEST_CASE("held connections: the ramp opens ramp_per_second a second", "[devices][hold]") {
  Server s;
  HoldPlan plan;
  plan.connections = 300;
  plan.ramp_per_second = 1000;  // batches of 100 at 0, 0.1 and 0.2 s
  plan.interval = 10;
  plan.duration = 0.2;
  LiveCounters live;
  const HoldFigures f = hold(s, plan, &live);
  CHECK(f.attempted == 300);
  CHECK(f.established == 300);
  CHECK(f.open_at_end == 300);
  CHECK(f.ramp_seconds >= 0.2);
  CHECK(f.ramp_seconds < 5);
}

TEST_CASE("held connections: a heartbeat past its deadline closes its connection",
          "[devices][hold]") {
  Server s;
  s.engine.hold = true;  // no answer until released
  HoldPlan plan;
  plan.connections = 10;
  plan.interval = 0.5;
  plan.duration = 1.5;
  plan.request_timeout = milliseconds(300);
  LiveCounters live;
  const HoldFigures f = hold(s, plan, &live);
  s.engine.release();
  CHECK(f.established == 10);
  CHECK(f.dropped == 10);
  CHECK(f.open_at_end == 0);
  CHECK(live.sent.load() == 10);  // one each: a closed connection is not reopened
  CHECK(live.failed.load() == 10);
  CHECK(f.by_status == std::map<int, std::int64_t>{{0, 10}});
  CHECK(f.first_error == "heartbeat: no answer within the request timeout");
}

}  // namespace spime::devices_test

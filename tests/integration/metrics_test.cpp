// GET /metrics through the real server: Prometheus's text format, read by a
// strict parser (prometheus_text.h), with figures that move as events,
// queries, commits and schedules flow.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "tests/integration/prometheus_text.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kMetricsRuleset = R"krl(
ruleset it.metrics {
  meta { shares total }
  global {
    total = function() { ent:count.defaultsTo(0) }
  }
  rule bump {
    select when m bump
    always { ent:count := total() + 1 }
  }
  rule fail {
    select when m fail
    always { schedule m event "bump" repeat "every second" }
  }
  rule away {
    select when m away
    event:send({"eci": "RemoteEciOfTheMetricsTest", "domain": "m", "name": "x"},
               event:attr("host"))
  }
  rule plan {
    select when m plan
    pre { at = time:add(time:now(), {"seconds": 1}) }
    always { schedule m event "bump" at at }
  }
}
)krl";

// GET /metrics, parsed strictly (REQUIREd), histograms checked.
PromText scrape(const SpimeServer& server) {
  HttpResult r = server.get("/metrics");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  PromText text;
  std::string error;
  INFO(r.text);
  INFO(error);
  REQUIRE(parse_prometheus_text(r.text, &text, &error));
  REQUIRE(check_histograms(text, &error));
  return text;
}

double events(const PromText& t, const std::string& outcome) {
  return t.value("spime_events_total", {{"outcome", outcome}});
}

}  // namespace

TEST_CASE("metrics: the text parses and its figures move when events flow", "[integration]") {
  TempDir krl;
  SpimeServer server(manual_clock());
  std::string eci = new_child(server, server.owner_eci(), "counted");
  install_ruleset(server, eci, file_url(krl.write("it.metrics.krl", kMetricsRuleset)),
                  "it.metrics");

  const PromText before = scrape(server);
  // Every family the README names is there, with its type.
  const std::map<std::string, std::string> kTypes = {
      {"spime_events_total", "counter"},
      {"spime_queries_total", "counter"},
      {"spime_http_responses_total", "counter"},
      {"spime_commit_group_batches", "histogram"},
      {"spime_commit_seconds", "histogram"},
      {"spime_schedule_lag_seconds", "histogram"},
      {"spime_active_picos", "gauge"},
      {"spime_pico_inbox_messages", "gauge"},
      {"spime_pico_inbox_max_messages", "gauge"},
      {"spime_commit_queue_batches", "gauge"},
      {"spime_commit_queue_limit_batches", "gauge"},
      {"spime_outbox_capacity_events", "gauge"},
      {"spime_outbox_events", "gauge"},
      {"spime_outbox_delivered_total", "counter"},
      {"spime_outbox_dropped_total", "counter"},
      {"spime_outbox_waiting_events", "gauge"},
      {"spime_outbox_oldest_age_seconds", "gauge"},
      {"spime_rocksdb_estimated_keys", "gauge"},
      {"spime_rocksdb_block_cache_usage_bytes", "gauge"},
      {"spime_rocksdb_block_cache_capacity_bytes", "gauge"},
      {"spime_rocksdb_memtable_bytes", "gauge"},
      {"spime_rocksdb_pending_compaction_bytes", "gauge"},
      {"spime_rocksdb_live_sst_bytes", "gauge"},
      {"spime_rocksdb_running_compactions", "gauge"},
  };
  for (const auto& [name, type] : kTypes) {
    INFO(name);
    const PromFamily* f = before.family(name);
    REQUIRE(f != nullptr);
    CHECK(f->type == type);
    CHECK(!f->help.empty());
  }
  // Every outcome has its sample from the start (children made once).
  for (const char* outcome : {"ok", "invalid_argument", "permission_denied", "not_found",
                              "conflict", "unavailable", "rule_error", "internal"}) {
    INFO(outcome);
    CHECK(before.value("spime_events_total", {{"outcome", outcome}}, -1) >= 0);
    CHECK(before.value("spime_queries_total", {{"outcome", outcome}}, -1) >= 0);
  }
  // The store holds the root, the child, their channels and rulesets.
  CHECK(before.value("spime_rocksdb_estimated_keys") > 0);
  CHECK(before.value("spime_rocksdb_block_cache_capacity_bytes") == 128.0 * 1024 * 1024);
  CHECK(before.value("spime_active_picos") >= 2);
  CHECK(before.value("spime_commit_queue_limit_batches") > 0);

  constexpr int kEvents = 5;
  for (int i = 0; i < kEvents; ++i) must_event(server, eci, "m", "bump");
  CHECK(must_query(server, eci, "it.metrics", "total") == kEvents);
  CHECK(server.event("NoSuchEciAnywhere", "m", "bump").status == 404);
  CHECK(server.event(eci, "m", "fail").status == 500);
  // A schedule due in 1 s, fired 2.5 s late by the driven clock.
  must_event(server, eci, "m", "plan");
  advance_clock(server, 3500);
  REQUIRE(eventually([&] { return must_query(server, eci, "it.metrics", "total") == kEvents + 1; },
                     std::chrono::seconds(10)));

  const PromText after = scrape(server);
  // kEvents bumps, the plan and its scheduled bump: ok. Each bump committed.
  CHECK(events(after, "ok") - events(before, "ok") >= kEvents + 2);
  CHECK(events(after, "not_found") - events(before, "not_found") == 1);
  CHECK(events(after, "rule_error") - events(before, "rule_error") == 1);
  CHECK(after.value("spime_queries_total", {{"outcome", "ok"}}) -
            before.value("spime_queries_total", {{"outcome", "ok"}}) >=
        2);
  // The first scrape's own 200 and the requests since.
  const double ok_replies = after.value("spime_http_responses_total", {{"code", "200"}}) -
                            before.value("spime_http_responses_total", {{"code", "200"}});
  CHECK(ok_replies >= kEvents + 3);
  CHECK(after.value("spime_http_responses_total", {{"code", "404"}}) -
            before.value("spime_http_responses_total", {{"code", "404"}}, 0) ==
        1);
  CHECK(after.value("spime_http_responses_total", {{"code", "500"}}) -
            before.value("spime_http_responses_total", {{"code", "500"}}, 0) ==
        1);
  // Commits: at least one group per bump (each answer waited for its own).
  const double groups = after.value("spime_commit_group_batches_count") -
                        before.value("spime_commit_group_batches_count");
  CHECK(groups >= kEvents);
  CHECK(after.value("spime_commit_seconds_count") - before.value("spime_commit_seconds_count") ==
        groups);
  CHECK(after.value("spime_commit_group_batches_sum") -
            before.value("spime_commit_group_batches_sum") >=
        groups);
  CHECK(after.value("spime_commit_seconds_sum") > before.value("spime_commit_seconds_sum"));
  // The schedule: one firing, 2.5 s late (between the 1 s and 2.5 s buckets' bounds).
  CHECK(after.value("spime_schedule_lag_seconds_count") -
            before.value("spime_schedule_lag_seconds_count") ==
        1);
  CHECK(after.value("spime_schedule_lag_seconds_sum") -
            before.value("spime_schedule_lag_seconds_sum") ==
        Approx(2.5));
  CHECK(after.value("spime_schedule_lag_seconds_bucket", {{"le", "1"}}) ==
        before.value("spime_schedule_lag_seconds_bucket", {{"le", "1"}}));
  CHECK(after.value("spime_schedule_lag_seconds_bucket", {{"le", "2.5"}}) ==
        before.value("spime_schedule_lag_seconds_bucket", {{"le", "2.5"}}) + 1);
  CHECK(after.value("spime_rocksdb_memtable_bytes") > 0);
}

TEST_CASE("metrics: the outbox per destination, its ECI shortened", "[integration]") {
  TempDir krl;
  SpimeServer server;
  std::string eci = new_child(server, server.owner_eci(), "sender");
  install_ruleset(server, eci, file_url(krl.write("it.metrics.krl", kMetricsRuleset)),
                  "it.metrics");
  // An engine that is not there: the event waits in the outbox.
  const std::string host = "http://127.0.0.1:" + std::to_string(free_loopback_port());
  must_event(server, eci, "m", "away", {{"host", host}});
  must_event(server, eci, "m", "away", {{"host", host}});
  const std::map<std::string, std::string> destination = {{"host", host}, {"eci", "Remote\u2026"}};
  PromText t;
  REQUIRE(eventually([&] {
    t = scrape(server);
    return t.value("spime_outbox_waiting_events", destination) == 2;
  }));
  CHECK(t.value("spime_outbox_events") == 2);
  CHECK(t.value("spime_outbox_oldest_age_seconds", destination, -1) >= 0);
  CHECK(t.value("spime_outbox_delivered_total") == 0);
  const PromFamily* waiting = t.family("spime_outbox_waiting_events");
  REQUIRE(waiting != nullptr);
  CHECK(waiting->samples.size() == 1);
}

TEST_CASE("metrics: --no-metrics answers 503 and the engine still works", "[integration]") {
  ServerOptions options;
  options.extra_args = {"--no-metrics"};
  SpimeServer server(options);
  HttpResult r = server.get("/metrics");
  CHECK(r.status == 503);
  CHECK(r.body.is_object());
  CHECK(r.body.value("error", "").find("metrics are off") != std::string::npos);
  CHECK(installed_rids(server, server.owner_eci()).size() > 0);
}

TEST_CASE("metrics: only GET", "[integration]") {
  SpimeServer server;
  CHECK(server.post("/metrics", "").status == 404);
}

// The ESProto path end to end: heartbeats POSTed as a sensor would, through
// esproto_router and esproto_device on a child pico, thresholds set by event,
// violations sent over a subscription to a collection pico; everything checked
// through /sky/cloud queries, also after a restart. And the malformed
// heartbeats of shared/esproto/bad.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/integration/esproto_helpers.h"

using namespace spime::integration;

namespace {

// Records, on the sensor pico itself, what the device and router raise.
const char* kWatch = R"krl(
ruleset it.esproto_watch {
  meta {
    shares violations, low_battery
  }
  global {
    violations = function() { ent:violations.defaultsTo([]) }
    low_battery = function() { ent:low_battery.defaultsTo([]) }
  }
  rule violation {
    select when esproto threshold_violation
    fired {
      ent:violations := violations().append(event:attrs)
    }
  }
  rule battery {
    select when esproto battery_level_low
    fired {
      ent:low_battery := low_battery().append(event:attrs)
    }
  }
}
)krl";

std::string esproto_file(const std::string& name) {
  return std::string(SPIME_SHARED_DIR) + "/esproto/" + name;
}

// POSTs a heartbeat file's bytes as a sensor does.
HttpResult heartbeat(const SpimeServer& s, const std::string& eci, const std::string& path) {
  return s.post("/sky/event/" + eci + "/none/wovyn/heartbeat", read_file(path));
}

json router_query(const SpimeServer& s, const std::string& eci, const std::string& name) {
  return must_query(s, eci, "esproto_router", name);
}

}  // namespace

TEST_CASE("ESProto: heartbeats through router and device, violations, low battery, restart",
          "[integration]") {
  TempDir krl;
  SpimeServer server;
  const std::string root = server.owner_eci();
  std::string sensor = new_child(server, root, "sensor");
  std::string hallway = new_child(server, root, "hallway");
  install_ruleset(server, sensor, shipped_ruleset_url("esproto_router"), "esproto_router");
  install_ruleset(server, sensor, shipped_ruleset_url("esproto_device"), "esproto_device");
  install_ruleset(server, sensor, file_url(krl.write("watch.krl", kWatch)), "it.esproto_watch");
  install_ruleset(server, hallway, shipped_ruleset_url("esproto_collection"), "esproto_collection");
  // The sensor joins the hallway: a subscription whose other side is a collection.
  std::string membership = join_collection(server, sensor, server, hallway);
  json members = must_query(server, sensor, "esproto_device", "collections");
  REQUIRE(members.size() == 1);
  CHECK(members[0].at("Id") == membership);
  CHECK(members[0].at("Tx_role") == "collection");

  // Thresholds by event; a numeric string counts as its number.
  must_event(server, sensor, "esproto", "new_threshold",
             {{"threshold_type", "temperature"}, {"upper_limit", 80}, {"lower_limit", "50"}});
  json thresholds = must_query(server, sensor, "esproto_device", "thresholds");
  CHECK(thresholds == json{{"temperature", {{"upper_limit", 80}, {"lower_limit", 50}}}});

  auto violations = [&] { return must_query(server, sensor, "it.esproto_watch", "violations"); };
  auto low_battery = [&] { return must_query(server, sensor, "it.esproto_watch", "low_battery"); };
  auto temperature_f = [&](size_t i) {
    return router_query(server, sensor, "lastTemperature").at("readings").at(i).at("temperatureF");
  };

  // Expected after each heartbeat: its directives, violations and
  // low-battery events so far.
  using Names = std::vector<std::string>;
  const Names violation{"threshold_violation"};
  struct Step {
    const char* file;
    Names directives;
    size_t violations;
    size_t low_battery;
  };
  const Step steps[] = {
      {"temp-normal.json", {}, 0, 0},
      {"temp-hot.json", violation, 1, 0},
      {"temp-cold.json", violation, 2, 0},
      {"temp-low-battery.json", {"battery_level_low"}, 2, 1},
      {"msa.json", violation, 3, 1},  // only the enclosure probe (81.12) is over 80
      {"msa-string-numbers.json", violation, 4, 1},
  };
  for (const Step& step : steps) {
    INFO("heartbeat " << step.file);
    HttpResult r = heartbeat(server, sensor, esproto_file(step.file));
    INFO(describe(r));
    REQUIRE(r.status == 200);
    CHECK(directive_names(r.body) == step.directives);
    if (std::string(step.file) == "temp-hot.json") {
      CHECK(r.body.at("directives")[0].at("options").at("message") ==
            "enclosure temperature reads 90.5, above its upper limit 80");
    }
    CHECK(violations().size() == step.violations);
    CHECK(low_battery().size() == step.low_battery);
    // The device keeps its own log too, newest first.
    json own = must_query(server, sensor, "esproto_device", "violations");
    CHECK(own.size() == step.violations);
    if (step.violations > 0) CHECK(own[0] == violations().back());
    // The router keeps the heartbeat as sent, plus the `_headers` attribute
    // the sky API adds (as the reference's server.ts).
    json kept = router_query(server, sensor, "lastHeartbeat");
    CHECK(kept.at("_headers").at("content-type") == "application/json");
    kept.erase("_headers");
    CHECK(kept == json::parse(read_file(esproto_file(step.file))));
  }
  CHECK(must_query(server, sensor, "esproto_device", "lastBatteryLow").at("health_percent") ==
        12.5);
  json v = violations();
  CHECK(v[0].at("direction") == "above");
  CHECK(v[0].at("value") == 90.5);
  CHECK(v[1].at("direction") == "below");
  CHECK(v[1].at("value") == 41);
  CHECK(v[2].at("value") == 81.12);  // msa: only the enclosure probe is over 80
  CHECK(v[3].at("value") == 81.12);  // the string "81.12" compared as a number
  CHECK(v[3].at("sensor_type") == "temperature");
  CHECK(v[3].at("sensor_id") == "5CCF7F0EC86F");
  json low = low_battery();
  CHECK(low[0].at("health_percent") == 12.5);
  CHECK(low[0].at("threshold") == 20);

  // The last readings per type, as sent (strings stay strings).
  CHECK(temperature_f(0) == "78.8");
  CHECK(temperature_f(1) == "81.12");
  CHECK(router_query(server, sensor, "lastHumidity").at("readings").at(0).at("humidity") == "38.4");
  CHECK(router_query(server, sensor, "lastPressure").at("readings").at(0).at("pressure") == "85.9");

  // The collection gets the violations over the subscription, after each commit.
  auto collected = [&] { return must_query(server, hallway, "esproto_collection", "violations"); };
  CHECK(eventually([&] { return collected().size() == 4; }));
  CHECK(collected()[0].at("value") == 81.12);  // newest first
  CHECK(collected()[3].at("value") == 90.5);

  // Everything survives a restart, and the path still works after it.
  json heartbeat_before = router_query(server, sensor, "lastHeartbeat");
  json temperature_before = router_query(server, sensor, "lastTemperature");
  server.restart();
  CHECK(must_query(server, sensor, "esproto_device", "thresholds") == thresholds);
  CHECK(router_query(server, sensor, "lastHeartbeat") == heartbeat_before);
  CHECK(router_query(server, sensor, "lastTemperature") == temperature_before);
  CHECK(violations() == v);
  CHECK(low_battery() == low);
  CHECK(collected().size() == 4);
  REQUIRE(heartbeat(server, sensor, esproto_file("temp-hot.json")).status == 200);
  CHECK(violations().size() == 5);
  CHECK(temperature_f(0) == 90.5);
  CHECK(eventually([&] { return collected().size() == 5; }));
}

TEST_CASE("ESProto: malformed heartbeats from shared/esproto/bad", "[integration]") {
  SpimeServer server;
  std::string sensor = new_child(server, server.owner_eci(), "sensor");
  install_ruleset(server, sensor, shipped_ruleset_url("esproto_router"), "esproto_router");
  REQUIRE(heartbeat(server, sensor, esproto_file("temp-normal.json")).status == 200);

  // On a channel without an attribute schema, a malformed heartbeat changes
  // nothing: the ones that are not JSON objects are refused (400) by the body
  // parser; the wrongly shaped ones reach the router, whose `error error`
  // stops the schedule as the reference does (200, system:error, nothing
  // recorded but the reason). A channel with the ESProto schema refuses
  // those too (schema tests). Each file is named so a new bad payload gets a
  // conscious decision.
  const std::set<std::string> refused_by_parser = {"deeply-nested.json", "invalid-utf8.json",
                                                   "not-an-object.json", "truncated.json"};
  const std::set<std::string> expected = {
      "deeply-nested.json", "invalid-utf8.json",         "not-an-object.json",
      "truncated.json",     "missing-genericThing.json", "data-not-a-map.json",
      "null-reading.json",  "readings-not-a-list.json",
  };
  size_t seen = 0;
  json before = router_query(server, sensor, "lastHeartbeat");
  json temperature_before = router_query(server, sensor, "lastTemperature");
  for (const auto& entry : std::filesystem::directory_iterator(esproto_file("bad"))) {
    std::string name = entry.path().filename().string();
    INFO("bad heartbeat " << name);
    REQUIRE(expected.count(name) == 1);
    ++seen;
    HttpResult r = heartbeat(server, sensor, entry.path().string());
    INFO(describe(r));
    if (refused_by_parser.count(name)) {
      CHECK(r.status == 400);
      CHECK(r.body.contains("error"));
    } else {
      CHECK(r.status == 200);
      CHECK(r.body.at("directives").empty());
      json problem = router_query(server, sensor, "lastProblem");
      CHECK(problem.is_string());
      CHECK(problem.get<std::string>().rfind("malformed heartbeat: ", 0) == 0);
    }
    CHECK(router_query(server, sensor, "lastHeartbeat") == before);
    CHECK(router_query(server, sensor, "lastTemperature") == temperature_before);
  }
  CHECK(seen == expected.size());
}

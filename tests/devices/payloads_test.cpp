// The simulator's pieces that need no engine: heartbeats (shape, limits,
// battery, malformed kinds, determinism), latency quantiles, the options'
// checks and reading a resolved prototype.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "devices/latency.h"
#include "devices/payloads.h"
#include "devices/prototype_profile.h"
#include "devices/simulate_options.h"

namespace spime::devices {
namespace {

using json = nlohmann::json;

// As GET /api/prototypes/esproto-msa answers it (the parts the simulator reads).
json msa_prototype() {
  return json::parse(R"({
    "name": "esproto-msa", "extends": "esproto-device",
    "config": {"heartbeat_interval_seconds": 300, "missed_heartbeats": 3},
    "channels": [
      {"name": "transducer", "tags": ["esproto", "transducer"],
       "query_policy": {"allow": [], "deny": []}},
      {"name": "query", "tags": ["Query", "esproto"],
       "query_policy": {"allow": [{"rid": "esproto_device", "name": "*"}], "deny": []}}],
    "rulesets": [
      {"rid": "esproto_router", "url": "file:///x/rulesets/esproto_router.krl",
       "config": {"low_battery_percent": 25}},
      {"rid": "esproto_device", "url": "file:///x/rulesets/esproto_device.krl", "config": {}}],
    "initialization": [
      {"domain": "esproto", "type": "new_threshold",
       "attributes": {"threshold_type": "temperature", "upper_limit": 85, "lower_limit": 50}},
      {"domain": "esproto", "type": "new_threshold",
       "attributes": {"threshold_type": "humidity", "upper_limit": "60", "lower_limit": 20}},
      {"domain": "esproto", "type": "new_threshold",
       "attributes": {"threshold_type": "pressure", "upper_limit": 110, "lower_limit": 80}}]
  })");
}

Profile msa_profile() {
  Profile p;
  std::string error;
  REQUIRE(read_profile(msa_prototype(), &p, &error));
  return p;
}

double number(const json& v) {
  return v.is_string() ? std::strtod(v.get<std::string>().c_str(), nullptr) : v.get<double>();
}

TEST_CASE("profile: thresholds, battery level, channels from the resolved prototype",
          "[devices][profile]") {
  const Profile p = msa_profile();
  CHECK(p.name == "esproto-msa");
  REQUIRE(p.thresholds.size() == 3);
  CHECK(*p.thresholds.at("temperature").upper == 85);
  CHECK(*p.thresholds.at("humidity").upper == 60);  // a numeral, as KRL's as("Number")
  CHECK(p.low_battery_percent == 25);
  CHECK(p.heartbeat_interval_seconds == 300);
  CHECK(p.missed_heartbeats == 3);
  REQUIRE(find_channel(p, "query"));
  CHECK(find_channel(p, "query")->tags == std::vector<std::string>{"esproto", "query"});
  CHECK(channel_for_query(p, "esproto_device", "thresholds") == "query");
  CHECK(channel_for_query(p, "spimes_collection", "status").empty());
}

TEST_CASE("payloads: a normal device reads inside its limits, a hot one above",
          "[devices][payloads]") {
  const Profile p = msa_profile();
  DeviceTraits normal, hot;
  hot.hot = true;
  SensorSim a(p, SensorModel::kMsa, normal, 0, 7);
  SensorSim b(p, SensorModel::kMsa, hot, 1, 7);
  for (int i = 0; i < 500; ++i) {
    const Heartbeat h = a.next_good();
    const json body = json::parse(h.body);
    CHECK(h.violations == 0);
    CHECK_FALSE(h.low_battery);
    const json& data = body.at("genericThing").at("data");
    REQUIRE(data.at("temperature").size() == 2);
    for (const auto& t : data.at("temperature")) {
      CHECK(number(t.at("temperatureF")) < 85);
      CHECK(number(t.at("temperatureF")) > 50);
    }
    CHECK(number(data.at("humidity")[0].at("humidity")) < 60);
    CHECK(number(data.at("pressure")[0].at("pressure")) > 80);
    CHECK(number(body.at("genericThing").at("healthPercent")) >= 30);

    const Heartbeat g = b.next_good();
    CHECK(g.violations == 2);  // both temperature probes
    for (const auto& t : json::parse(g.body).at("genericThing").at("data").at("temperature"))
      CHECK(number(t.at("temperatureF")) > 85);
  }
}

TEST_CASE("payloads: a low battery stays under the router's level and drains",
          "[devices][payloads]") {
  const Profile p = msa_profile();
  DeviceTraits low;
  low.low_battery = true;
  low.string_numbers = true;
  SensorSim s(p, SensorModel::kTemp, low, 3, 1);
  double last = 100;
  for (int i = 0; i < 300; ++i) {
    const Heartbeat h = s.next_good();
    CHECK(h.low_battery);
    const json body = json::parse(h.body);
    const json& health = body.at("genericThing").at("healthPercent");
    CHECK(health.is_string());  // numerals as strings, as some sensors send them
    CHECK(number(health) < 25);
    CHECK(number(health) <= last);
    last = number(health);
    CHECK(body.at("genericThing").at("data").at("temperature").size() == 1);
  }
}

TEST_CASE("payloads: every malformed kind, and the same seed gives the same heartbeats",
          "[devices][payloads]") {
  const Profile p = msa_profile();
  SensorSim a(p, SensorModel::kTemp, {}, 5, 42);
  SensorSim b(p, SensorModel::kTemp, {}, 5, 42);
  for (int i = 0; i < 50; ++i) CHECK(a.next_good().body == b.next_good().body);
  std::set<int> kinds;
  for (int i = 0; i < 400; ++i) {
    const Heartbeat h = a.next_malformed();
    REQUIRE(h.malformed());
    kinds.insert(h.malformed_kind);
    const json parsed = json::parse(h.body, nullptr, false);
    const std::string kind = malformed_kind_name(h.malformed_kind);
    INFO(kind);
    if (kind == "truncated" || kind == "invalid-utf8") {
      CHECK(parsed.is_discarded());
    } else if (kind == "not-an-object") {
      CHECK(parsed.is_array());
    } else if (kind == "deeply-nested") {
      CHECK(h.body.size() > 64 * 6);
    } else if (kind == "missing-genericThing") {
      CHECK_FALSE(parsed.contains("genericThing"));
    } else if (kind == "data-not-a-map") {
      CHECK(parsed.at("genericThing").at("data").is_string());
    } else if (kind == "null-reading") {
      CHECK(parsed.at("genericThing").at("data").at("temperature")[0].at("temperatureF").is_null());
    } else if (kind == "readings-not-a-list") {
      CHECK(parsed.at("genericThing").at("data").at("temperature").is_object());
    }
  }
  CHECK(kinds.size() == static_cast<std::size_t>(kMalformedKinds));
}

TEST_CASE("latency: histogram quantiles within a bucket, exact ones by rank",
          "[devices][latency]") {
  LatencyHistogram h;
  std::vector<float> all;
  for (int i = 1; i <= 1000; ++i) {
    h.add(i * 0.01);  // 0.01 .. 10 ms
    all.push_back(static_cast<float>(i * 0.01));
  }
  CHECK(h.count() == 1000);
  CHECK(h.quantile(0.5) == Approx(5.0).epsilon(0.04));
  CHECK(h.quantile(0.99) == Approx(9.9).epsilon(0.04));
  CHECK(quantile_of_sorted(all, 0.5) == Approx(5.0));
  CHECK(quantile_of_sorted(all, 0.99) == Approx(9.9));
  CHECK(quantile_of_sorted({}, 0.5) == 0);
}

TEST_CASE("options: rates, fractions, loopback", "[devices][options]") {
  double r = 0;
  CHECK(parse_rate("100", &r));
  CHECK(r == 100);
  CHECK(parse_rate("2.5/s", &r));
  CHECK(r == 2.5);
  CHECK_FALSE(parse_rate("0", &r));
  CHECK_FALSE(parse_rate("/s", &r));
  CHECK_FALSE(parse_rate("ten", &r));

  SimulateOptions o;
  client::Url url;
  o.url = "http://localhost:3000";
  CHECK(check_options(&o, &url).empty());
  o.url = "http://[::1]:3000";
  CHECK(check_options(&o, &url).empty());
  o.url = "http://10.1.2.3:3000";
  CHECK(check_options(&o, &url).find("loopback") != std::string::npos);
  o.url = "http://127.0.0.1:3000";
  o.collections = 11;
  o.count = 10;
  CHECK_FALSE(check_options(&o, &url).empty());  // more collections than devices
  o.collections = 1;
  o.silent_fraction = -0.1;
  CHECK_FALSE(check_options(&o, &url).empty());
}

}  // namespace
}  // namespace spime::devices

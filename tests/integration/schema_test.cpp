// Channel attribute schemas over HTTP: a device channel carrying the ESProto
// heartbeat schema (rulesets/schemas/esproto-heartbeat.json) refuses every
// malformed heartbeat before the pico sees it, and admits every real one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

std::string esproto_file(const std::string& name) {
  return std::string(SPIME_SHARED_DIR) + "/esproto/" + name;
}

json heartbeat_schema() {
  return json::parse(
      read_file(std::string(SPIME_SOURCE_DIR) + "/rulesets/schemas/esproto-heartbeat.json"));
}

const json kAllowHeartbeats = {{"allow", {{{"domain", "wovyn"}, {"name", "heartbeat"}}}},
                               {"deny", json::array()}};
const json kAllowQueries = {{"allow", {{{"rid", "*"}, {"name", "*"}}}}, {"deny", json::array()}};

HttpResult post_heartbeat(const SpimeServer& s, const std::string& eci, const std::string& file) {
  return s.post("/sky/event/" + eci + "/none/wovyn/heartbeat", read_file(file));
}

json router(const SpimeServer& s, const std::string& eci, const std::string& name) {
  return must_query(s, eci, "esproto_router", name);
}

}  // namespace

TEST_CASE("schema: the ESProto device channel refuses malformed heartbeats, admits real ones",
          "[integration][schema]") {
  SpimeServer server;
  std::string sensor = new_child(server, server.owner_eci(), "sensor");
  install_ruleset(server, sensor, shipped_ruleset_url("esproto_router"), "esproto_router");
  must_event(server, sensor, "wrangler", "new_channel_request",
             {{"tags", json::array({"heartbeat"})},
              {"eventPolicy", kAllowHeartbeats},
              {"queryPolicy", kAllowQueries},
              {"attrsSchema", heartbeat_schema()}});
  json found = channels_tagged(server, sensor, "heartbeat");
  REQUIRE(found.size() == 1);
  CHECK(found[0].at("attrsSchema") == heartbeat_schema());  // shown in `channels`
  const std::string device = found[0].at("id").get<std::string>();

  for (const char* kind : {"temp-normal.json", "temp-hot.json", "temp-cold.json",
                           "temp-low-battery.json", "msa.json", "msa-string-numbers.json"}) {
    INFO(kind);
    HttpResult r = post_heartbeat(server, device, esproto_file(kind));
    INFO(describe(r));
    CHECK(r.status == 200);
  }
  const json last = router(server, device, "lastHeartbeat");
  CHECK(last.is_object());

  // Every bad file gets a 4xx and changes nothing: the ones the body parser
  // cannot read (400 before any channel), the rest refused by the schema
  // (400 with the offending attribute's JSON Pointer); the router never runs.
  const std::set<std::string> parse_errors = {"deeply-nested.json", "invalid-utf8.json",
                                              "not-an-object.json", "truncated.json"};
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(esproto_file("bad"))) {
    std::string name = entry.path().filename().string();
    INFO("bad heartbeat " << name);
    ++seen;
    HttpResult r = post_heartbeat(server, device, entry.path().string());
    INFO(describe(r));
    CHECK(r.status == 400);
    REQUIRE(r.body.is_object());
    CHECK(r.body.at("error").is_string());
    if (!parse_errors.count(name)) CHECK(r.body.contains("path"));
    CHECK(router(server, device, "lastHeartbeat") == last);
    CHECK(router(server, device, "lastProblem").is_null());
  }
  CHECK(seen == 8);

  // The pointer names the attribute: a reading without a numeric temperatureF.
  json bad = json::parse(read_file(esproto_file("temp-normal.json")));
  bad["genericThing"]["data"]["temperature"][0]["temperatureF"] = "warm";
  HttpResult r = server.post("/sky/event/" + device + "/none/wovyn/heartbeat", bad.dump());
  CHECK(r.status == 400);
  CHECK(r.body.value("path", "") == "/genericThing/data/temperature/0/temperatureF");

  // Persisted with the channel: still enforced after a restart.
  server.restart();
  r = post_heartbeat(server, device, esproto_file("bad/readings-not-a-list.json"));
  CHECK(r.status == 400);
  CHECK(post_heartbeat(server, device, esproto_file("temp-hot.json")).status == 200);
}

TEST_CASE("schema: a channel with a schema that does not compile is not made",
          "[integration][schema]") {
  SpimeServer server;
  HttpResult r = server.event(server.owner_eci(), "wrangler", "new_channel_request",
                              {{"tags", json::array({"broken"})},
                               {"eventPolicy", kAllowHeartbeats},
                               {"queryPolicy", kAllowQueries},
                               {"attrsSchema", {{"type", 42}}}});
  INFO(describe(r));
  CHECK(r.status == 500);
  CHECK(r.text.find("attrsSchema") != std::string::npos);
  CHECK(channels_tagged(server, server.owner_eci(), "broken").empty());
}

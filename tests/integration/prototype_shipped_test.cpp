// The shipped prototypes (prototypes/*.yaml) make working picos over HTTP:
// wrangler:new_child_request with `prototype` answers the new child with its
// channels; the channels enforce their policies and the heartbeat schema;
// the rulesets run with the prototype's config; the initialization events
// set the thresholds, so a hot heartbeat is a violation.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/prototype_helpers.h"

using namespace spime::integration;

namespace {

std::string payload(const std::string& name) {
  return read_file(std::string(SPIME_SHARED_DIR) + "/esproto/" + name);
}

HttpResult heartbeat(const SpimeServer& s, const std::string& eci, const std::string& body) {
  return s.post("/sky/event/" + eci + "/hb/wovyn/heartbeat", body);
}

// The new child's engine UI `pico` answer (its channels and rulesets), reached
// through the UI channel it got at birth.
json child_pico(const SpimeServer& s, const std::vector<std::string>& ui_before) {
  for (const std::string& ui : child_ui_ecis(s, s.owner_eci())) {
    if (!contains(ui_before, ui)) return must_query(s, ui, kEngineUi, "pico");
  }
  FAIL("no new child UI channel");
  return json();
}

const json* ruleset_in(const json& pico, const std::string& rid) {
  for (const auto& r : pico.at("rulesets")) {
    if (r.at("rid") == rid) return &r;
  }
  return nullptr;
}

const json* channel_tagged(const json& pico, const std::vector<std::string>& tags) {
  for (const auto& c : pico.at("channels")) {
    if (c.at("tags").get<std::vector<std::string>>() == tags) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("serve --public-url: picos give out that address, not the listen URL",
          "[integration][prototypes]") {
  ServerOptions o;
  o.extra_args = {"--public-url", "http://router.example:4100"};
  SpimeServer server(o);
  json made = new_child_from(server, server.owner_eci(), "temp-1", "esproto-temp");
  CHECK(made.at("transducer_url") == "http://router.example:4100/sky/event/" +
                                         channel_of(made, "transducer") +
                                         "/heartbeat/wovyn/heartbeat");
}

TEST_CASE("prototypes: esproto-temp makes a Temp-2000 pico, set up and guarded",
          "[integration][prototypes]") {
  SpimeServer server;
  std::vector<std::string> ui_before = child_ui_ecis(server, server.owner_eci());
  json made = new_child_from(server, server.owner_eci(), "temp-1", "esproto-temp");
  const std::string transducer = channel_of(made, "transducer");
  const std::string query = channel_of(made, "query");
  CHECK(made.at("transducer_url") ==
        server.url() + "/sky/event/" + transducer + "/heartbeat/wovyn/heartbeat");
  CHECK(!made.at("id").get<std::string>().empty());
  CHECK(contains(child_ecis(server, server.owner_eci()), made.at("eci").get<std::string>()));

  // Rulesets with the prototype's config, channels with their tags, policies and schema.
  json pico = child_pico(server, ui_before);
  const json* router = ruleset_in(pico, "esproto_router");
  REQUIRE(router);
  CHECK(router->at("config") == json::parse(R"({"heartbeat_interval_seconds": 300,
      "missed_heartbeats": 3, "max_violations": 100, "low_battery_percent": 20})"));
  REQUIRE(ruleset_in(pico, "esproto_device"));
  CHECK(ruleset_in(pico, "io.picolabs.wrangler"));
  const json* t = channel_tagged(pico, {"esproto", "transducer"});
  REQUIRE(t);
  CHECK(t->at("id") == transducer);
  CHECK(t->contains("attrsSchema"));
  CHECK(channel_tagged(pico, {"esproto", "query"}));

  // The thresholds the initialization event set.
  CHECK(must_query(server, query, "esproto_device", "thresholds") ==
        json::parse(R"({"temperature": {"upper_limit": 80, "lower_limit": 60}})"));

  // The transducer takes heartbeats: a hot one is a violation, a normal one is not.
  HttpResult hot = heartbeat(server, transducer, payload("temp-hot.json"));
  INFO(describe(hot));
  CHECK(contains(directives_of(hot), "threshold_violation"));
  HttpResult normal = heartbeat(server, transducer, payload("temp-normal.json"));
  CHECK(normal.status == 200);
  CHECK(!contains(directives_of(normal), "threshold_violation"));
  CHECK(contains(directives_of(heartbeat(server, transducer, payload("temp-cold.json"))),
                 "threshold_violation"));
  CHECK(must_query(server, query, "esproto_device", "violations").size() == 2);

  // ... and nothing else: other events 403, a malformed heartbeat 400 (its schema).
  CHECK(server.event(transducer, "esproto", "new_threshold", {{"threshold_type", "temperature"}})
            .status == 403);
  HttpResult bad =
      heartbeat(server, transducer,
                R"({"genericThing": {"data": {"temperature": [{"temperatureF": "hot"}]}}})");
  CHECK(bad.status == 400);
  CHECK(bad.body.at("path") == "/genericThing/data/temperature/0/temperatureF");
  // No query through the transducer; through the query channel only the ESProto rulesets.
  CHECK(server.query(transducer, "esproto_device", "thresholds").status == 403);
  CHECK(server.query(query, kWrangler, "channels").status == 403);
  CHECK(server.event(query, "wovyn", "heartbeat").status == 403);
  CHECK(must_query(server, query, "esproto_router", "lastTemperature").is_object());
}

TEST_CASE("prototypes: esproto-msa sets three thresholds", "[integration][prototypes]") {
  SpimeServer server;
  json made = new_child_from(server, server.owner_eci(), "msa-1", "esproto-msa");
  const std::string transducer = channel_of(made, "transducer");
  const std::string query = channel_of(made, "query");
  CHECK(must_query(server, query, "esproto_device", "thresholds") == json::parse(R"({
      "temperature": {"upper_limit": 85, "lower_limit": 50},
      "humidity": {"upper_limit": 60, "lower_limit": 20},
      "pressure": {"upper_limit": 110, "lower_limit": 80}})"));
  HttpResult normal = heartbeat(server, transducer, payload("msa.json"));
  INFO(describe(normal));
  CHECK(normal.status == 200);
  CHECK(!contains(directives_of(normal), "threshold_violation"));
  // The same array, humid: one violation, of humidity.
  json humid = json::parse(payload("msa.json"));
  humid["genericThing"]["data"]["humidity"][0]["humidity"] = 75;
  HttpResult r = heartbeat(server, transducer, humid.dump());
  CHECK(contains(directives_of(r), "threshold_violation"));
  json violations = must_query(server, query, "esproto_device", "violations");
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].at("sensor_type") == "humidity");
}

TEST_CASE("prototypes: collection makes a collection pico", "[integration][prototypes]") {
  SpimeServer server;
  json made = new_child_from(server, server.owner_eci(), "hallway", "collection");
  CHECK(!made.contains("transducer_url"));
  const std::string query = channel_of(made, "query");
  CHECK(must_query(server, query, "spimes_collection", "members") == json::array());
  json log = must_query(server, query, "spimes_collection", "violations");
  CHECK(log.at("entries") == json::array());
  CHECK(log.at("next").is_null());
  // The query channel takes no event; only spimes_collection is asked there.
  CHECK(server.event(query, "spimes", "instruct_members", {{"settings", {{"a", 1}}}}).status ==
        403);
  CHECK(server.query(query, "io.picolabs.wrangler", "name").status == 403);
}

TEST_CASE("prototypes: without a prototype new_child_request is as before",
          "[integration][prototypes]") {
  SpimeServer server;
  json answer =
      must_event(server, server.owner_eci(), "wrangler", "new_child_request", {{"name", "plain"}});
  CHECK(directive_names(answer).empty());
  HttpResult unknown = server.event(server.owner_eci(), "wrangler", "new_child_request",
                                    {{"name", "x"}, {"prototype", "nope"}});
  CHECK(unknown.status == 500);
  CHECK(unknown.text.find("unknown prototype nope") != std::string::npos);
  CHECK(child_ecis(server, server.owner_eci()).size() == 1);
}

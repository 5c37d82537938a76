// A prototype's MQTT part: `protocols` and `mqtt.topics` (fixed device
// topics with the {device} placeholder, topic_pattern.h), read, checked
// (file:line:col naming the key), merged over the parent and shown.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/runtime/prototypes/prototype_value.h"
#include "engine/runtime/prototypes/topic_pattern.h"
#include "tests/runtime/prototypes_test_util.h"

using namespace spime;
using spime::runtime::testing::PrototypeFixture;

namespace {

const char* kDevice = R"(name: dev
channels:
  - name: transducer
    event_policy: {allow: [{domain: wovyn, name: heartbeat}], deny: []}
protocols: [http, mqtt]
mqtt:
  topics:
    - {topic: "sensors/{device}/heartbeat", channel: transducer, domain: wovyn, type: heartbeat}
)";

// A prototype with one topic written as `topic` (and the rest valid).
std::string with_topic(const std::string& topic, const std::string& channel = "transducer",
                       const std::string& protocols = "[mqtt]") {
  return "name: x\n"
         "channels:\n"
         "  - name: transducer\n"
         "    event_policy: {allow: [{domain: wovyn, name: heartbeat}], deny: []}\n"
         "protocols: " +
         protocols +
         "\n"
         "mqtt:\n"
         "  topics:\n"
         "    - topic: " +
         topic +
         "\n"
         "      channel: " +
         channel +
         "\n"
         "      domain: wovyn\n"
         "      type: heartbeat\n";
}

}  // namespace

TEST_CASE("topic patterns: the placeholder, the filter, a device's topic", "[prototypes]") {
  using namespace spime::runtime;
  std::string why;
  CHECK(check_topic_pattern("sensors/{device}/heartbeat", &why));
  CHECK(check_topic_pattern("{device}", &why));
  CHECK(topic_filter("sensors/{device}/heartbeat") == "sensors/+/heartbeat");
  CHECK(concrete_topic("sensors/{device}/heartbeat", "kitchen") == "sensors/kitchen/heartbeat");
  std::string device;
  CHECK(match_topic("sensors/{device}/heartbeat", "sensors/kitchen/heartbeat", &device));
  CHECK(device == "kitchen");
  CHECK_FALSE(match_topic("sensors/{device}/heartbeat", "sensors/kitchen/other", &device));
  CHECK_FALSE(match_topic("sensors/{device}/heartbeat", "sensors//heartbeat", &device));
  CHECK_FALSE(match_topic("sensors/{device}/heartbeat", "sensors/a/b/heartbeat", &device));
  CHECK(device_name_fits("kitchen 2"));
  CHECK_FALSE(device_name_fits("a/b"));
  CHECK_FALSE(device_name_fits("a+"));
  CHECK_FALSE(device_name_fits(""));

  const std::vector<std::pair<const char*, const char*>> bad = {
      {"sensors/heartbeat", "has the placeholder {device} once"},
      {"sensors/{device}/{device}", "once, not 2 times"},
      {"sensors/x{device}/hb", "{device} must be a whole topic level, not \"x{device}\""},
      {"sensors/{id}/hb", "the only placeholder is {device}"},
      {"sensors/+/{device}", "without the wildcards"},
      {"sensors/{device}/#", "without the wildcards"},
      {"sensors//{device}", "an empty topic level"},
      {"$SYS/{device}", "the broker's own"},
      {"spime/{device}/wovyn/heartbeat", "the event scheme"},
  };
  for (const auto& [pattern, message] : bad) {
    INFO(pattern);
    why.clear();
    CHECK_FALSE(check_topic_pattern(pattern, &why));
    CHECK_THAT(why, Catch::Matchers::Contains(message));
  }
}

TEST_CASE("prototypes: protocols default to http, mqtt.topics read and shown", "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("dev.yaml", kDevice);
  f.dir.write("plain.yaml", "name: plain\n");
  f.dir.write("kid.yaml",
              "name: kid\n"
              "extends: dev\n"
              "channels:\n"
              "  - name: transducer\n"
              "    event_policy: {allow: [{domain: \"*\", name: \"*\"}], deny: []}\n"
              "mqtt:\n"
              "  topics:\n"
              "    - {topic: \"sensors/{device}/heartbeat\", channel: transducer, domain: wovyn,"
              " type: beat}\n"
              "    - {topic: \"{device}/status\", channel: transducer, domain: d, type: s}\n");
  REQUIRE(f.load().empty());
  CHECK(f.catalog.get("plain")->protocols == std::vector<std::string>{"http"});
  CHECK(f.catalog.get("plain")->mqtt_topics.empty());
  auto dev = f.catalog.get("dev");
  CHECK(dev->protocols == std::vector<std::string>{"http", "mqtt"});
  REQUIRE(dev->mqtt_topics.size() == 1);
  CHECK(dev->mqtt_topics[0].channel == "transducer");
  // Merged by topic; protocols inherited.
  auto kid = f.catalog.get("kid");
  CHECK(kid->protocols == std::vector<std::string>{"http", "mqtt"});
  REQUIRE(kid->mqtt_topics.size() == 2);
  CHECK(kid->mqtt_topics[0].type == "beat");
  CHECK(kid->mqtt_topics[1].topic == "{device}/status");
  auto v = f.catalog.value("dev");
  REQUIRE(v);
  const std::string shown = krl::encode_json(*v);
  CHECK_THAT(
      shown,
      Catch::Matchers::Contains(
          R"("protocols":["http","mqtt"],"mqtt":{"topics":[{"topic":"sensors/{device}/heartbeat","filter":"sensors/+/heartbeat","channel":"transducer","domain":"wovyn","type":"heartbeat"}],"instructions":null})"));
}

TEST_CASE("prototypes: mqtt.instructions read, inherited, replaced and checked", "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("dev.yaml", std::string(kDevice) + "  instructions: \"sensors/{device}/do\"\n");
  f.dir.write("kid.yaml", "name: kid\nextends: dev\n");
  f.dir.write("other.yaml", "name: other\nextends: dev\nmqtt:\n  instructions: \"cmd/{device}\"\n");
  REQUIRE(f.load().empty());
  CHECK(f.catalog.get("dev")->mqtt_instructions == "sensors/{device}/do");
  CHECK(f.catalog.get("kid")->mqtt_instructions == "sensors/{device}/do");
  CHECK(f.catalog.get("other")->mqtt_instructions == "cmd/{device}");
  CHECK_THAT(krl::encode_json(*f.catalog.value("dev")),
             Catch::Matchers::Contains(R"("instructions":"sensors/{device}/do")"));

  CHECK(f.check_error("x.yaml", "name: x\nprotocols: [mqtt]\nmqtt:\n  instructions: \"a/b\"\n") ==
        "x.yaml:4:17: mqtt.instructions: a device's topic has the placeholder {device} once, "
        "where the device's name stands");
  CHECK(f.check_error("x.yaml", "name: x\nmqtt:\n  instructions: \"a/{device}\"\n") ==
        "x.yaml:3:3: protocols: a prototype with mqtt.topics or mqtt.instructions must list mqtt");
  // Its own heartbeats would come back to it as instructions.
  CHECK(f.check_error("dev.yaml",
                      std::string(kDevice) + "  instructions: \"sensors/{device}/heartbeat\"\n") ==
        "dev.yaml:9:17: mqtt.instructions: \"sensors/{device}/heartbeat\" is also one of "
        "mqtt.topics");
}

TEST_CASE("prototypes: bad MQTT parts are refused where they stand", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("x.yaml", "name: x\nprotocols: [http, coap]\n") ==
        "x.yaml:2:19: protocols[1]: unknown protocol \"coap\" (expected http, mqtt)");
  CHECK(f.check_error("x.yaml", "name: x\nprotocols: [http, http]\n") ==
        "x.yaml:2:19: protocols[1]: http is already listed");
  CHECK(f.check_error("x.yaml", "name: x\nprotocols: []\n") ==
        "x.yaml:2:12: protocols: list at least one of http, mqtt");
  CHECK(f.check_error("x.yaml", "name: x\nmqtt: {topic: a}\n") ==
        "x.yaml:2:8: mqtt: unknown key \"topic\" (expected topics, instructions)");
  CHECK(f.check_error("x.yaml", "name: x\nmqtt:\n  topics:\n    - {topic: \"a/{device}\"}\n") ==
        "x.yaml:4:7: mqtt.topics[0]: missing key \"channel\"");
  // The pattern: at the topic's value.
  CHECK(f.check_error("x.yaml", with_topic("\"sensors/heartbeat\"")) ==
        "x.yaml:8:14: mqtt.topics[0].topic: a device's topic has the placeholder {device} once, "
        "where the device's name stands");
  CHECK(f.check_error("x.yaml", with_topic("\"sensors/dev-{device}\"")) ==
        "x.yaml:8:14: mqtt.topics[0].topic: {device} must be a whole topic level, not "
        "\"dev-{device}\"");
  CHECK(f.check_error("x.yaml", with_topic("\"sensors/+/{device}\"")) ==
        "x.yaml:8:14: mqtt.topics[0].topic: a device's topic is one topic, without the "
        "wildcards '+' and '#' (\"+\")");
  // The channel must be the prototype's, and take the event.
  CHECK(f.check_error("x.yaml", with_topic("\"s/{device}\"", "sensor")) ==
        "x.yaml:9:16: mqtt.topics[0].channel: the prototype has no channel \"sensor\"");
  CHECK_THAT(
      f.check_error("x.yaml", with_topic("\"s/{device}\"")
                                  .replace(with_topic("\"s/{device}\"").find("type: heartbeat"), 15,
                                           "type: other")),
      Catch::Matchers::StartsWith("x.yaml:8:7: mqtt.topics[0]: channel transducer "
                                  "refuses wovyn:other"));
  // Topics need mqtt among the protocols.
  CHECK(f.check_error("x.yaml", with_topic("\"s/{device}\"", "transducer", "[http]")) ==
        "x.yaml:5:12: protocols: a prototype with mqtt.topics or mqtt.instructions must list mqtt");
  // A topic twice.
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "mqtt:\n"
                      "  topics:\n"
                      "    - {topic: \"a/{device}\", channel: c, domain: d, type: t}\n"
                      "    - {topic: \"a/{device}\", channel: c, domain: d, type: u}\n") ==
        "x.yaml:5:15: mqtt.topics[1].topic: duplicate topic \"a/{device}\" (also at line 4)");
}

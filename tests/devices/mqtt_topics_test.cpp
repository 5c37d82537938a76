// The simulator's MQTT topics, urls, correlation numbers and replies
// (devices/mqtt_topics.h): pure functions.
#include <catch2/catch.hpp>

#include "devices/mqtt_topics.h"
#include "devices/simulate_options.h"

namespace spime::devices {
namespace {

TEST_CASE("mqtt url: mqtt://HOST[:PORT] on loopback, nothing else", "[devices][mqtt]") {
  MqttUrl u;
  std::string error;
  REQUIRE(parse_mqtt_url("mqtt://127.0.0.1:18830", &u, &error));
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == 18830);
  CHECK(u.to_string() == "mqtt://127.0.0.1:18830");
  REQUIRE(parse_mqtt_url("mqtt://localhost/", &u, &error));
  CHECK(u.host == "localhost");
  CHECK(u.port == kMqttDefaultPort);
  REQUIRE(parse_mqtt_url("mqtt://[::1]:1884", &u, &error));
  CHECK(u.host == "::1");
  CHECK(u.port == 1884);
  CHECK(u.to_string() == "mqtt://[::1]:1884");
  for (const char* bad :
       {"", "127.0.0.1:1883", "mqtts://127.0.0.1:8883", "http://127.0.0.1:1883", "mqtt://",
        "mqtt://:1883", "mqtt://127.0.0.1:", "mqtt://127.0.0.1:0", "mqtt://127.0.0.1:65536",
        "mqtt://127.0.0.1:12a", "mqtt://u@127.0.0.1:1883", "mqtt://127.0.0.1:1883/topic",
        "mqtt://[::1", "mqtt://[::1]x"}) {
    INFO(bad);
    error.clear();
    CHECK_FALSE(parse_mqtt_url(bad, &u, &error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("mqtt topics: spime/<eci>/<domain>/<type> and a reply topic per connection",
          "[devices][mqtt]") {
  CHECK(heartbeat_topic("Cx7Yq2bC4kLm9") == "spime/Cx7Yq2bC4kLm9/wovyn/heartbeat");
  CHECK(event_topic("abc", "esproto", "new_instructions") == "spime/abc/esproto/new_instructions");
  // A part that is not one topic level gives no topic at all.
  for (const char* bad : {"", "a/b", "a+", "#"}) {
    CHECK(heartbeat_topic(bad).empty());
    CHECK(event_topic("abc", bad, "t").empty());
  }
  CHECK(heartbeat_topic(std::string_view("a\0b", 3)).empty());
  CHECK(topic_level_ok("Cx7Yq2bC4kLm9"));
  CHECK_FALSE(topic_level_ok("a/b"));
  CHECK(reply_topic("00ff", 7) == "spime-sim/00ff/7/reply");
  const std::string run = new_run_id();
  CHECK(run.size() == 16);
  CHECK(topic_level_ok(run));
}

TEST_CASE("mqtt correlation data: a request's number, read back exactly", "[devices][mqtt]") {
  std::uint64_t n = 0;
  for (std::uint64_t v :
       {std::uint64_t{1}, std::uint64_t{42}, std::uint64_t{18446744073709551615u}}) {
    REQUIRE(parse_correlation(correlation_of(v), &n));
    CHECK(n == v);
  }
  for (const char* bad : {"", "-1", "1a", " 1", "18446744073709551616", "123456789012345678901"}) {
    INFO(bad);
    CHECK_FALSE(parse_correlation(bad, &n));
  }
}

TEST_CASE("mqtt replies: directives, an error, or neither", "[devices][mqtt]") {
  MqttReply r = parse_reply(R"({"eid":"e1","directives":[{"name":"threshold_violation"}]})");
  CHECK(r.kind == ReplyKind::kAnswer);
  r = parse_reply(R"({"eid":"e1","directives":[]})");
  CHECK(r.kind == ReplyKind::kAnswer);
  r = parse_reply(R"({"error":"attribute schema: genericThing is required"})");
  CHECK(r.kind == ReplyKind::kError);
  CHECK(r.error == "attribute schema: genericThing is required");
  r = parse_reply(R"({"error":{"code":3}})");
  CHECK(r.kind == ReplyKind::kError);
  CHECK(r.error == R"({"code":3})");
  for (const char* other : {"", "not json", "[]", "42", R"({"eid":"e1"})", R"({"directives":[]})",
                            R"({"eid":1,"directives":[]})", R"({"eid":"e1","directives":{}})"}) {
    INFO(other);
    r = parse_reply(other);
    CHECK(r.kind == ReplyKind::kUnknown);
    CHECK_FALSE(r.error.empty());
  }
}

TEST_CASE("simulate options: --protocol mqtt needs a loopback --mqtt", "[devices][mqtt]") {
  client::Url url;
  MqttUrl broker;
  SimulateOptions o;
  o.url = "http://127.0.0.1:3000";
  CHECK(check_options(&o, &url, &broker).empty());  // http by default, no broker
  o.protocol = "mqtt";
  CHECK(check_options(&o, &url, &broker).find("--mqtt") != std::string::npos);
  o.mqtt_url = "mqtt://127.0.0.1:18831";
  CHECK(check_options(&o, &url, &broker).empty());
  CHECK(broker.port == 18831);
  o.mqtt_url = "mqtt://broker.example.com:1883";
  CHECK(check_options(&o, &url, &broker).find("loopback") != std::string::npos);
  o.mqtt_url = "mqtts://127.0.0.1:8883";
  CHECK_FALSE(check_options(&o, &url, &broker).empty());
  o.protocol = "http";
  o.mqtt_url = "mqtt://127.0.0.1:18831";
  CHECK(check_options(&o, &url, &broker) == "--mqtt is for --protocol mqtt");
  o.protocol = "coap";
  o.mqtt_url.clear();
  CHECK(check_options(&o, &url, &broker).find("--protocol") != std::string::npos);
}

}  // namespace
}  // namespace spime::devices

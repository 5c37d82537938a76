// channels/mqtt/mqtt_event.h and mqtt_url.h: topics and payloads as events,
// replies as HTTP's bodies, broker urls.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "channels/mqtt/mqtt_event.h"
#include "channels/mqtt/mqtt_url.h"

using spime::api::EventRequest;
using spime::api::Status;
using namespace spime::mqtt;
using json = nlohmann::json;

TEST_CASE("mqtt event: topic and payload become the event", "[mqtt]") {
  EventRequest e;
  REQUIRE(event_from_message("spime/ECI1/wovyn/heartbeat", R"({"a": 1, "b": [true]})", &e).is_ok());
  CHECK(e.eci == "ECI1");
  CHECK(e.domain == "wovyn");
  CHECK(e.name == "heartbeat");
  REQUIRE(e.attrs.is_map());
  CHECK(e.attrs.as_map().size() == 2);
  CHECK(e.sender.empty());

  EventRequest empty;
  REQUIRE(event_from_message("spime/ECI1/d/t", "", &empty).is_ok());
  REQUIRE(empty.attrs.is_map());
  CHECK(empty.attrs.as_map().size() == 0);

  // Blank segments go to the engine as they stand (it refuses them, as HTTP's).
  EventRequest blank;
  REQUIRE(event_from_message("spime//d/t", "{}", &blank).is_ok());
  CHECK(blank.eci.empty());
}

TEST_CASE("mqtt event: other topics and payloads that are not a JSON object are refused",
          "[mqtt]") {
  for (const char* topic : {"spime/a/b", "spime/a/b/c/d", "other/a/b/c", "spime", "", "/a/b/c"}) {
    EventRequest e;
    INFO(topic);
    Status s = event_from_message(topic, "{}", &e);
    CHECK(s.code() == Status::Code::kInvalidArgument);
  }
  for (const char* payload : {"{not json", "[1,2]", "42", "\"text\"", "{\"a\": \xff}"}) {
    EventRequest e;
    INFO(payload);
    CHECK(event_from_message("spime/a/b/c", payload, &e).code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("mqtt event: replies are HTTP's bodies", "[mqtt]") {
  json ok = json::parse(reply_body(spime::api::EventResult{"E1", spime::krl::Value()}));
  CHECK(ok == json{{"eid", "E1"}, {"directives", json::array()}});
  Status refused = Status::invalid_argument("bad attribute");
  refused.with_pointer("/a/0");
  json err = json::parse(reply_body(refused));
  CHECK(err.at("error") == "Error: bad attribute");
  CHECK(err.at("path") == "/a/0");
}

TEST_CASE("mqtt url: mqtt:// and mqtts:// with host and port", "[mqtt]") {
  BrokerAddress a;
  std::string error;
  REQUIRE(parse_broker_url("mqtt://127.0.0.1:1884", &a, &error));
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 1884);
  CHECK(!a.tls);
  REQUIRE(parse_broker_url("mqtt://broker.local", &a, &error));
  CHECK(a.port == 1883);
  REQUIRE(parse_broker_url("mqtts://broker.local/", &a, &error));
  CHECK(a.tls);
  CHECK(a.port == 8883);
  REQUIRE(parse_broker_url("mqtt://[::1]:2000", &a, &error));
  CHECK(a.host == "::1");
  CHECK(a.port == 2000);
  for (const char* bad : {"http://x:1", "mqtt://", "mqtt://x:", "mqtt://x:0", "mqtt://x:65536",
                          "mqtt://user:pw@x:1", "mqtt://x:1/path", "mqtt://[::1", "mqtt://x:1a"}) {
    INFO(bad);
    CHECK(!parse_broker_url(bad, &a, &error));
    CHECK(!error.empty());
  }
}

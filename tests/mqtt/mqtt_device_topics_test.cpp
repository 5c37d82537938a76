// Devices that publish to their own fixed topic (a prototype's mqtt.topics,
// here esproto-device's sensors/{device}/heartbeat) through the bridge and a
// real Mosquitto of the test's own: a QoS 1 heartbeat on sensors/<name>/
// heartbeat lands on the device's transducer channel and in its readings;
// a topic no device publishes to is refused (logged, counted) and
// acknowledged, so it holds nothing up; a deleted device's topic stops
// reaching anything, and its record goes with it unless another device took
// the name over; instructions wait retained on the device's own
// instructions topic (mqtt.instructions).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/prototype_helpers.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/spimes_helpers.h"
#include "tests/mqtt/mqtt_broker.h"

using namespace spime::integration;

namespace {

RunResult publish_qos1(const MosquittoBroker& b, const std::string& topic,
                       const std::string& payload) {
  return run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(b.port()), "-q", "1",
                      "-t", topic, "-m", payload});
}

std::string metric_line(const SpimeServer& s, const std::string& outcome) {
  const std::string text = s.get("/metrics").text;
  const std::string name = "spime_mqtt_messages_total{outcome=\"" + outcome + "\"} ";
  const std::size_t at = text.find(name);
  if (at == std::string::npos) return "0";
  return text.substr(at + name.size(), text.find('\n', at) - at - name.size());
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

void wait_connected(const SpimeServer& s) {
  INFO(s.output());
  REQUIRE(eventually([&] { return s.output().find("mqtt: connected to") != std::string::npos; },
                     std::chrono::seconds(20)));
}

ServerOptions with_broker(const MosquittoBroker& broker) {
  ServerOptions o;
  o.extra_args = {"--mqtt", broker.url()};
  return o;
}

json temperatures(const SpimeServer& s, const std::string& query) {
  return must_query(s, query, kDevice, "history", {{"sensor_type", "temperature"}}).at("entries");
}

}  // namespace

TEST_CASE("mqtt: a device made from a prototype with a fixed topic gets its heartbeats",
          "[integration][mqtt]") {
  MosquittoBroker broker;
  ServerOptions o;
  o.extra_args = {"--mqtt", broker.url()};
  SpimeServer s(o);
  INFO(s.output());
  REQUIRE(eventually([&] { return s.output().find("mqtt: connected to") != std::string::npos; },
                     std::chrono::seconds(20)));
  CHECK(s.output().find("sensors/+/heartbeat") != std::string::npos);  // subscribed

  json made = new_child_from(s, s.owner_eci(), "kitchen", "esproto-temp");
  const std::string query = channel_of(made, "query");
  auto history = [&] {
    return must_query(s, query, kDevice, "history", {{"sensor_type", "temperature"}}).at("entries");
  };
  REQUIRE(history().empty());

  // QoS 1 to its own topic: acknowledged after the commit, so the reading is there.
  RunResult r = publish_qos1(broker, "sensors/kitchen/heartbeat",
                             read_file(esproto_payload("temp-normal.json")));
  INFO(r.output);
  REQUIRE(r.ok());
  REQUIRE(eventually([&] { return history().size() == 1; }, std::chrono::seconds(10)));

  // A hot one: a violation, as over HTTP (the prototype's thresholds).
  REQUIRE(
      publish_qos1(broker, "sensors/kitchen/heartbeat", read_file(esproto_payload("temp-hot.json")))
          .ok());
  REQUIRE(eventually([&] { return history().size() == 2; }, std::chrono::seconds(10)));
  CHECK(must_query(s, query, kDevice, "violations").size() == 1);

  // A topic no device publishes to: refused as not found, acknowledged (the
  // next message behind it still runs), logged and counted.
  REQUIRE(publish_qos1(broker, "sensors/nobody/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(publish_qos1(broker, "sensors/kitchen/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(eventually([&] { return history().size() == 3; }, std::chrono::seconds(10)));
  REQUIRE(eventually([&] { return metric_line(s, "not_found") == "1"; }));
  CHECK(s.output().find("sensors/nobody/heartbeat refused: no device publishes to") !=
        std::string::npos);

  // The device deleted: its topic reaches nothing any more.
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "kitchen"}});
  REQUIRE(publish_qos1(broker, "sensors/kitchen/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(eventually([&] { return metric_line(s, "not_found") == "2"; }, std::chrono::seconds(10)));
  CHECK(metric_line(s, "ok") == "3");
  // Refused because its record went with it, not for a channel gone.
  CHECK(count_of(s.output(), "sensors/kitchen/heartbeat refused: no device publishes to") == 1);

  // A new device of that name takes the topic over.
  json again = new_child_from(s, s.owner_eci(), "kitchen", "esproto-msa");
  const std::string query2 = channel_of(again, "query");
  REQUIRE(publish_qos1(broker, "sensors/kitchen/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(eventually(
      [&] {
        return must_query(s, query2, kDevice, "history", {{"sensor_type", "temperature"}})
                   .at("entries")
                   .size() == 1;
      },
      std::chrono::seconds(10)));

  // Deleted and made again while the bridge still holds its old route: the
  // first message finds the new device (the stale route is asked again).
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "kitchen"}});
  json third = new_child_from(s, s.owner_eci(), "kitchen", "esproto-temp");
  const std::string query3 = channel_of(third, "query");
  REQUIRE(publish_qos1(broker, "sensors/kitchen/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(eventually(
      [&] {
        return must_query(s, query3, kDevice, "history", {{"sensor_type", "temperature"}})
                   .at("entries")
                   .size() == 1;
      },
      std::chrono::seconds(10)));
  CHECK(metric_line(s, "not_found") == "2");
  CHECK(metric_line(s, "ok") == "5");
}

TEST_CASE("mqtt: deleting a device leaves the topic of a device that took its name over",
          "[integration][mqtt]") {
  MosquittoBroker broker;
  SpimeServer s(with_broker(broker));
  wait_connected(s);
  new_child_from(s, s.owner_eci(), "kitchen", "esproto-temp");
  // Another "kitchen", under another parent, takes the topic over.
  const std::string hall = new_child(s, s.owner_eci(), "hall");
  json second = new_child_from(s, hall, "kitchen", "esproto-msa");
  const std::string query = channel_of(second, "query");

  // The first one deleted: the topic still reaches the second.
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "kitchen"}});
  REQUIRE(publish_qos1(broker, "sensors/kitchen/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(eventually([&] { return temperatures(s, query).size() == 1; }, std::chrono::seconds(10)));
  CHECK(metric_line(s, "not_found") == "0");

  // The second deleted (with its parent): nothing publishes there any more.
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "hall"}});
  REQUIRE(publish_qos1(broker, "sensors/kitchen/heartbeat",
                       read_file(esproto_payload("temp-normal.json")))
              .ok());
  INFO(s.output());
  REQUIRE(eventually([&] {
    return count_of(s.output(), "sensors/kitchen/heartbeat refused: no device publishes to") == 1;
  }));
}

TEST_CASE("mqtt: instructions wait retained on a fixed-topic device's instructions topic",
          "[integration][mqtt]") {
  MosquittoBroker broker;
  SpimeServer s(with_broker(broker));
  wait_connected(s);
  json made = new_child_from(s, s.owner_eci(), "porch", "esproto-temp");
  const std::string query = channel_of(made, "query");
  CHECK(must_query(s, query, kDevice, "instructions").at("pending") == json::object());

  // Set before the sensor ever spoke: it knows no ECI, only its name.
  const std::vector<std::string> set{"device", "set", "porch", "sleepSeconds=60", "--url", s.url()};
  auto r = spime::cli_test::run_spime(set);
  INFO(spime::cli_test::describe(set, r));
  REQUIRE(r.exit_code == 0);

  // It wakes and subscribes to sensors/porch/instructions: they are there.
  std::string got;
  INFO(s.output());
  REQUIRE(eventually(
      [&] {
        got = retained_message(broker, "sensors/porch/instructions");
        return !got.empty();
      },
      std::chrono::seconds(20)));
  CHECK(json::parse(got) == json{{"sleepSeconds", 60}});
}

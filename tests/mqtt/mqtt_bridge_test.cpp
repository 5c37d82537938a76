// The MQTT bridge (channels/mqtt/) against a real Mosquitto of the test's own
// (mqtt_broker.h): a heartbeat published with QoS 1 reaches the device pico;
// a malformed one is refused by the channel's schema and changes nothing;
// replies on a response topic; every message the broker took is run exactly
// once through a kill -9 of spime, a broker restart and a full pico queue.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/spimes_helpers.h"
#include "tests/mqtt/mqtt_broker.h"

using namespace spime::integration;

namespace {

// Counts each message by its "n": seen{n} must end at 1 for every n.
const char* kCounter = R"krl(
ruleset it.mqtt {
  meta {
    shares seen, total
  }
  global {
    seen = function() { ent:seen.defaultsTo({}) }
    total = function() { ent:total.defaultsTo(0) }
  }
  rule count {
    select when it n
    pre {
      key = event:attr("n").as("String")
      m = ent:seen.defaultsTo({})
    }
    fired {
      ent:seen := m.put([key], m{key}.defaultsTo(0) + 1);
      ent:total := ent:total.defaultsTo(0) + 1
    }
  }
}
)krl";

ServerOptions with_broker(const MosquittoBroker& broker, std::vector<std::string> more = {}) {
  ServerOptions o;
  o.extra_args = {"--mqtt", broker.url()};
  o.extra_args.insert(o.extra_args.end(), more.begin(), more.end());
  return o;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// Waits until the server's log says its bridge connected `times` times in all.
// spime serve's default --mqtt-sessions (channels/mqtt/mqtt_bridge.h).
constexpr std::size_t kSessions = 8;

// Waits until each of the bridge's `sessions` sessions has connected
// `times` times in all (a connection's log line comes after its subscribe).
void wait_connected(const SpimeServer& s, std::size_t times = 1, std::size_t sessions = kSessions) {
  INFO(s.output());
  REQUIRE(eventually([&] { return count_of(s.output(), "mqtt: connected to") >= times * sessions; },
                     std::chrono::seconds(20)));
}

RunResult publish(const MosquittoBroker& b, const std::string& topic, const std::string& payload,
                  std::vector<std::string> more = {}) {
  std::vector<std::string> args{
      "mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(b.port()), "-q", "1", "-t",
      topic,           "-m", payload};
  args.insert(args.end(), more.begin(), more.end());
  return run_command(args);
}

// Publishes one line of `lines` per message, QoS 1, and answers when the
// broker acknowledged every one (mosquitto_pub -l exits 0).
void must_publish_lines(const MosquittoBroker& b, const std::string& topic,
                        const std::string& lines) {
  RunResult r = run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(b.port()),
                             "-q", "1", "-t", topic, "-l"},
                            lines, std::chrono::seconds(60));
  INFO(r.output);
  REQUIRE(r.ok());
}

std::string numbered(int from, int to) {
  std::string lines;
  for (int n = from; n < to; ++n) lines += json{{"n", n}}.dump() + "\n";
  return lines;
}

// A subscriber on `topic` (MQTT 5) that prints each message as
// "REPLY <correlation data> <payload>" and exits after `count` of them.
std::unique_ptr<ChildProcess> subscribe(const MosquittoBroker& b, const std::string& topic,
                                        int count = 1) {
  auto sub = std::make_unique<ChildProcess>(
      std::vector<std::string>{"stdbuf", "-oL", "mosquitto_sub", "-V", "mqttv5", "-h", "127.0.0.1",
                               "-p", std::to_string(b.port()), "-t", topic, "-C",
                               std::to_string(count), "-W", "30", "-d", "-F", "REPLY %D %p"});
  INFO(sub->output());
  REQUIRE(sub->wait_for_output("received SUBACK", std::chrono::seconds(10)));
  return sub;
}

// The JSON after "REPLY <correlation> " in a subscriber's output.
json reply_of(const std::string& output, const std::string& correlation) {
  const std::string mark = "REPLY " + correlation + " ";
  const std::size_t at = output.find(mark);
  if (at == std::string::npos) return json();
  const std::size_t end = output.find('\n', at);
  return json::parse(output.substr(at + mark.size(), end - at - mark.size()), nullptr, false);
}

// A query of it.mqtt, asked again while the pico is too busy to take it
// (503, a tiny --pico-queue-limit), at most 30 s.
json counter_query(const SpimeServer& s, const std::string& eci, const std::string& name) {
  HttpResult r;
  eventually(
      [&] {
        r = s.query(eci, "it.mqtt", name);
        return r.status != 503;
      },
      std::chrono::seconds(30));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  return r.body;
}

void check_each_once(const SpimeServer& s, const std::string& eci, int count) {
  INFO(s.output());
  REQUIRE(eventually([&] { return counter_query(s, eci, "total") >= count; },
                     std::chrono::seconds(60)));
  CHECK(counter_query(s, eci, "total") == count);
  json seen = counter_query(s, eci, "seen");
  CHECK(seen.size() == static_cast<std::size_t>(count));
  std::string odd;  // what is missing or ran more than once, for the failure message
  for (int n = 0; n < count; ++n) {
    auto it = seen.find(std::to_string(n));
    if (it == seen.end()) {
      odd += " " + std::to_string(n) + ":missing";
    } else if (*it != 1) {
      odd += " " + std::to_string(n) + ":x" + it->dump();
    }
  }
  INFO("odd:" << odd);
  CHECK(odd.empty());
}

std::string counter_pico(const SpimeServer& s, TempDir& krl) {
  std::string eci = new_child(s, s.owner_eci(), "counter");
  install_ruleset(s, eci, file_url(krl.write("it.mqtt.krl", kCounter)), "it.mqtt");
  return eci;
}

// The device's transducer channel: heartbeats only, checked by the ESProto
// schema (as the esproto-device prototype makes it); answers its ECI.
std::string transducer_channel(const SpimeServer& s, const std::string& dev) {
  must_event(
      s, dev, "wrangler", "new_channel_request",
      {{"tags", json::array({"heartbeat"})},
       {"eventPolicy",
        {{"allow", {{{"domain", "wovyn"}, {"name", "heartbeat"}}}}, {"deny", json::array()}}},
       {"queryPolicy", {{"allow", {{{"rid", "*"}, {"name", "*"}}}}, {"deny", json::array()}}},
       {"attrsSchema", json::parse(read_file(std::string(SPIME_SOURCE_DIR) +
                                             "/rulesets/schemas/esproto-heartbeat.json"))}});
  json found = channels_tagged(s, dev, "heartbeat");
  REQUIRE(found.size() == 1);
  return found[0].at("id").get<std::string>();
}

}  // namespace

TEST_CASE("mqtt: a QoS 1 heartbeat reaches the device, a malformed one is refused, with replies",
          "[integration][mqtt]") {
  MosquittoBroker broker;
  SpimeServer s(with_broker(broker));
  wait_connected(s);
  std::string dev = make_device(s, "dev");
  const std::string sensor = transducer_channel(s, dev);
  const std::string topic = "spime/" + sensor + "/wovyn/heartbeat";
  auto history = [&] {
    return must_query(s, dev, kDevice, "history", {{"sensor_type", "temperature"}}).at("entries");
  };
  REQUIRE(history().empty());

  // A good heartbeat, QoS 1, with a response topic: it runs, and the reply is the
  // event-wait answer.
  auto sub = subscribe(broker, "replies/dev");
  RunResult r = publish(broker, topic, read_file(esproto_payload("temp-normal.json")),
                        {"-V", "mqttv5", "-D", "PUBLISH", "response-topic", "replies/dev", "-D",
                         "PUBLISH", "correlation-data", "hb-1"});
  INFO(r.output);
  REQUIRE(r.ok());
  REQUIRE(sub->wait_exit(std::chrono::seconds(30)) == 0);
  json ok = reply_of(sub->output(), "hb-1");
  INFO(sub->output());
  REQUIRE(ok.is_object());
  CHECK(ok.at("eid").is_string());
  CHECK(ok.at("directives").is_array());
  // The reply leaves after the commit: the reading is there now.
  json entries = history();
  REQUIRE(entries.size() == 1);
  const json last = must_query(s, sensor, "esproto_router", "lastHeartbeat");
  CHECK(last.is_object());

  // Malformed (readings not a list): refused by the schema, nothing changes, the
  // reply is HTTP's 400 body, with the offending attribute's path.
  sub = subscribe(broker, "replies/dev");
  r = publish(broker, topic, read_file(esproto_payload("bad/readings-not-a-list.json")),
              {"-V", "mqttv5", "-D", "PUBLISH", "response-topic", "replies/dev", "-D", "PUBLISH",
               "correlation-data", "hb-2"});
  REQUIRE(r.ok());
  REQUIRE(sub->wait_exit(std::chrono::seconds(30)) == 0);
  json refused = reply_of(sub->output(), "hb-2");
  INFO(sub->output());
  REQUIRE(refused.is_object());
  CHECK(refused.at("error").is_string());
  CHECK(refused.contains("path"));
  CHECK(history() == entries);
  CHECK(must_query(s, sensor, "esproto_router", "lastHeartbeat") == last);

  // Not JSON, and a topic of the wrong shape: refused too (no reply wanted).
  REQUIRE(publish(broker, topic, "{not json").ok());
  REQUIRE(publish(broker, "spime/" + sensor + "/wovyn", "{}").ok());  // not matched: 3 levels
  // A QoS 0 heartbeat runs as well.
  REQUIRE(run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                       "-q", "0", "-t", topic, "-f", esproto_payload("temp-hot.json")})
              .ok());
  REQUIRE(eventually([&] { return history().size() == 2; }, std::chrono::seconds(10)));

  // Refusals are counted and logged (the ECI shortened).
  REQUIRE(eventually([&] {
    return s.get("/metrics")
               .text.find("spime_mqtt_messages_total{outcome=\"invalid_argument\"} 2") !=
           std::string::npos;
  }));
  // The bridge counts an outcome when the engine's answer reaches it, which
  // may come a moment after the reading is stored.
  CHECK(eventually([&] {
    return s.get("/metrics").text.find("spime_mqtt_messages_total{outcome=\"ok\"} 2") !=
           std::string::npos;
  }));
  CHECK(s.output().find("refused") != std::string::npos);
  INFO(s.output());
  CHECK(s.output().find(sensor) == std::string::npos);
}

TEST_CASE("mqtt: kill -9 of spime with 1,000 QoS 1 messages in flight: each runs once",
          "[integration][mqtt]") {
  TempDir krl;
  MosquittoBroker broker;
  SpimeServer s(with_broker(broker));
  wait_connected(s);
  const std::string eci = counter_pico(s, krl);
  const std::string topic = "spime/" + eci + "/it/n";

  ChildProcess pub({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-q",
                    "1", "-t", topic, "-l"},
                   numbered(0, 1000));
  REQUIRE(eventually([&] { return must_query(s, eci, "it.mqtt", "total") >= 100; },
                     std::chrono::seconds(30)));
  s.kill9();
  // Every message was acknowledged by the broker (it holds the rest for spime's session).
  const int status = pub.wait_exit(std::chrono::seconds(60));
  INFO(pub.output());
  REQUIRE(status == 0);

  s.start();
  const json at_restart = must_query(s, eci, "it.mqtt", "total");
  check_each_once(s, eci, 1000);
  // The kill came with messages still to run (the broker held them for the session).
  INFO("run before the kill: " << at_restart << "; redeliveries recognised: "
                               << count_of(s.output(), "was accepted before"));
  CHECK(at_restart < 1000);
}

TEST_CASE("mqtt: the bridge reconnects after a broker restart and resumes its session",
          "[integration][mqtt]") {
  TempDir krl;
  MosquittoBroker broker;
  SpimeServer s(with_broker(broker));
  wait_connected(s);
  const std::string eci = counter_pico(s, krl);
  const std::string topic = "spime/" + eci + "/it/n";

  must_publish_lines(broker, topic, numbered(0, 20));
  REQUIRE(eventually([&] { return must_query(s, eci, "it.mqtt", "total") == 20; }));

  broker.stop();
  broker.start();
  wait_connected(s, 2);
  CHECK(s.output().find("session resumed") != std::string::npos);
  must_publish_lines(broker, topic, numbered(20, 40));
  REQUIRE(eventually([&] { return must_query(s, eci, "it.mqtt", "total") == 40; }));

  // Messages published while spime is down wait in its session at the broker,
  // through a broker restart too.
  s.stop();
  must_publish_lines(broker, topic, numbered(40, 60));
  broker.stop();
  broker.start();
  s.start();
  check_each_once(s, eci, 60);
}

TEST_CASE("mqtt: a full pico queue holds QoS 1 messages back, none is lost or run twice",
          "[integration][mqtt]") {
  TempDir krl;
  MosquittoBroker broker;
  // 32 messages at once into a queue of 2: most are refused for load and
  // offered again (no crash here, so the window may be wide).
  SpimeServer s(with_broker(broker, {"--pico-queue-limit", "2", "--mqtt-sessions", "1",
                                     "--mqtt-receive-maximum", "32", "--log-level", "debug"}));
  wait_connected(s, 1, 1);
  const std::string eci = counter_pico(s, krl);
  must_publish_lines(broker, "spime/" + eci + "/it/n", numbered(0, 300));
  check_each_once(s, eci, 300);
  CHECK(s.output().find("refused for load; offered again") != std::string::npos);
}

TEST_CASE("mqtt: instructions set by the CLI wait retained on the device's instructions topic",
          "[integration][mqtt]") {
  MosquittoBroker broker;
  SpimeServer s(with_broker(broker));
  wait_connected(s);
  const std::string dev = make_device(s, "dev");
  const std::string sensor = transducer_channel(s, dev);
  // The sensor's first heartbeat, over MQTT, names its channel to the device.
  REQUIRE(publish(broker, "spime/" + sensor + "/wovyn/heartbeat",
                  read_file(esproto_payload("temp-normal.json")))
              .ok());
  REQUIRE(eventually([&] {
    return !must_query(s, dev, kDevice, "history", {{"sensor_type", "temperature"}})
                .at("entries")
                .empty();
  }));

  const std::vector<std::string> set{"device", "set", dev, "sleepSeconds=60", "--url", s.url()};
  auto r = spime::cli_test::run_spime(set);
  INFO(spime::cli_test::describe(set, r));
  REQUIRE(r.exit_code == 0);

  // A device that subscribes afterwards (it slept through the publish) gets
  // them, retained.
  std::string got;
  INFO(s.output());
  REQUIRE(eventually(
      [&] {
        got = retained_message(broker, "spime/" + sensor + "/instructions");
        return !got.empty();
      },
      std::chrono::seconds(20)));
  CHECK(json::parse(got) == json{{"sleepSeconds", 60}});
  // And the pending instructions are still handed over in the next heartbeat's answer.
  CHECK(must_query(s, dev, kDevice, "instructions").at("pending") == json{{"sleepSeconds", 60}});
}

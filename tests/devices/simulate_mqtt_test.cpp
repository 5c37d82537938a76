// The fleet simulator over MQTT: its link to a real Mosquitto broker
// (devices/mqtt_link.h), and `spime devices simulate --protocol mqtt`
// against a real `spime serve --mqtt` through a real Mosquitto
// (tests/mqtt/mqtt_broker.h). The link's own tests answer with a ReplyPeer
// (reply_peer.h), which can misbehave as spime would not.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "devices/mqtt_link.h"
#include "tests/cli/run_spime.h"
#include "tests/devices/reply_peer.h"
#include "tests/integration/server_fixture.h"
#include "tests/mqtt/mqtt_broker.h"

namespace spime::devices_test {
namespace {

using devices::MqttLink;
using integration::json;
using integration::SpimeServer;
using Clock = std::chrono::steady_clock;

MqttLink::Options link_options(const integration::MosquittoBroker& broker,
                               const std::string& name) {
  MqttLink::Options o;
  std::string error;
  REQUIRE(devices::parse_mqtt_url(broker.url(), &o.broker, &error));
  o.client_id = "test-" + name;
  o.reply_topic = "spime-sim/test-" + name + "/0/reply";
  o.timeout = std::chrono::seconds(10);
  return o;
}

// Replies {eid, directives: []} with the payload's size as the eid.
std::optional<std::string> echo(const std::string&, const std::string& payload) {
  return json{{"eid", std::to_string(payload.size())}, {"directives", json::array()}}.dump();
}

TEST_CASE("mqtt link: each publish gets the reply that carries its number", "[devices][mqtt]") {
  integration::MosquittoBroker broker;
  ReplyPeer bridge(broker.port(), echo);
  MqttLink link(link_options(broker, "reply"));
  REQUIRE(link.open() == "");
  for (int i = 1; i <= 5; ++i) {
    const std::string payload(static_cast<std::size_t>(i), 'x');
    devices::MqttExchange x = link.request("spime/abc/wovyn/heartbeat", payload);
    INFO(x.error << broker.output());
    REQUIRE(x.replied);
    CHECK(json::parse(x.payload).at("eid") == std::to_string(i));
  }
  CHECK(bridge.messages() == 5);
  CHECK(link.stray_replies() == 0);
}

TEST_CASE("mqtt link: a second reply to one request is dropped as stray", "[devices][mqtt]") {
  integration::MosquittoBroker broker;
  ReplyPeer one(broker.port(), echo);
  ReplyPeer two(broker.port(), echo);  // both subscribe: two replies each
  MqttLink link(link_options(broker, "stray"));
  REQUIRE(link.open() == "");
  for (int i = 0; i < 3; ++i) REQUIRE(link.request("spime/abc/wovyn/heartbeat", "{}").replied);
  // The last request's second reply may still be on its way: at most 5 s.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (link.stray_replies() < 3 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(link.stray_replies() == 3);
}

TEST_CASE("mqtt link: with no subscriber the broker's PUBACK fails the request at once",
          "[devices][mqtt]") {
  integration::MosquittoBroker broker;
  MqttLink link(link_options(broker, "alone"));
  REQUIRE(link.open() == "");
  const auto t0 = Clock::now();
  devices::MqttExchange x = link.request("spime/abc/wovyn/heartbeat", "{}");
  CHECK_FALSE(x.replied);
  CHECK(x.error.find("no subscriber") != std::string::npos);
  CHECK(Clock::now() - t0 < std::chrono::seconds(5));  // not the 10 s deadline
}

TEST_CASE("mqtt link: after a broker restart the link reconnects and gets replies again",
          "[devices][mqtt]") {
  integration::MosquittoBroker broker;
  ReplyPeer bridge(broker.port(), echo);
  MqttLink link(link_options(broker, "restart"));
  REQUIRE(link.open() == "");
  REQUIRE(link.request("spime/abc/wovyn/heartbeat", "{}").replied);
  broker.stop();
  broker.start();
  // Both clients retry every 1 to 2 s: replies again within 15 s. Until
  // then a request fails at once (not connected) or waits for its deadline.
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  bool replied = false;
  std::string last_error;
  while (!replied && Clock::now() < deadline) {
    devices::MqttExchange x = link.request("spime/abc/wovyn/heartbeat", "{}");
    replied = x.replied;
    last_error = x.error;
    if (!replied) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(last_error << "\n" << broker.output());
  CHECK(replied);
}

TEST_CASE("mqtt link: no broker, no link", "[devices][mqtt]") {
  MqttLink::Options o;
  o.broker.host = "127.0.0.1";
  o.broker.port = integration::free_loopback_port();
  o.client_id = "test-nobroker";
  o.reply_topic = "spime-sim/test-nobroker/0/reply";
  o.timeout = std::chrono::seconds(5);
  MqttLink link(o);
  const std::string why = link.open();
  CHECK(why.find("no MQTT broker at mqtt://127.0.0.1:") != std::string::npos);
  CHECK_FALSE(link.request("spime/abc/wovyn/heartbeat", "{}").replied);
}

struct SimulatorRun : cli_test::Run {
  std::vector<std::string> args;
  std::string describe() const { return cli_test::describe(args, *this); }
};

SimulatorRun simulate(const std::vector<std::string>& options) {
  SimulatorRun run;
  run.args = {"devices", "simulate", "--no-progress", "--json"};
  run.args.insert(run.args.end(), options.begin(), options.end());
  static_cast<cli_test::Run&>(run) = cli_test::run_spime(run.args, {}, std::chrono::seconds(90));
  return run;
}

// What the bridge handed on or refused, all outcomes (GET /metrics).
long mqtt_messages(SpimeServer& server) {
  const std::string text = server.get("/metrics").text;
  const std::string name = "spime_mqtt_messages_total{";
  long total = 0;
  for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    if (at > 0 && text[at - 1] != '\n') continue;  // a HELP or TYPE line
    const std::size_t value = text.find("} ", at);
    if (value != std::string::npos) total += std::stol(text.substr(value + 2));
  }
  return total;
}

json check_named(const json& summary, const std::string& name) {
  for (const auto& c : summary.at("checks")) {
    if (c.at("name") == name) return c;
  }
  FAIL("no check named " << name << " in " << summary.dump());
  return json();
}

TEST_CASE("simulate --protocol mqtt: heartbeats through a broker, checked as over HTTP",
          "[devices][mqtt][simulate]") {
  integration::MosquittoBroker broker;
  integration::ServerOptions with_mqtt;
  with_mqtt.extra_args = {"--mqtt", broker.url()};
  SpimeServer server(with_mqtt);
  SimulatorRun run = simulate({"--url",
                               server.url(),
                               "--protocol",
                               "mqtt",
                               "--mqtt",
                               broker.url(),
                               "--connections",
                               "4",
                               "--count",
                               "12",
                               "--collections",
                               "2",
                               "--duration",
                               "2",
                               "--hot-fraction",
                               "0.25",
                               "--low-battery-fraction",
                               "0.25",
                               "--bad-fraction",
                               "0.2"});
  INFO(run.describe() << "\nbroker: " << broker.output());
  REQUIRE(run.exit_code == 0);
  const json summary = json::parse(run.out);
  CHECK(summary.at("passed") == true);
  CHECK(summary.at("protocol") == "mqtt");
  CHECK(summary.at("mqtt").at("broker") == broker.url());
  const json& h = summary.at("heartbeats");
  const long sent = h.at("sent").get<long>();
  CHECK(sent > 0);
  CHECK(h.at("failed") == 0);
  CHECK(sent == h.at("acknowledged").get<long>() + h.at("refused").get<long>());
  CHECK(h.at("malformed_sent").get<long>() > 0);
  CHECK(h.at("malformed_sent") == h.at("malformed_refused"));
  CHECK(h.at("by_status").at("reply") == h.at("acknowledged"));
  CHECK(h.at("by_status").at("error reply") == h.at("refused"));
  // Every heartbeat went through the broker and the bridge, none over HTTP.
  CHECK(mqtt_messages(server) == sent);
  CHECK(summary.at("load").at("latency_ms").at("p99").get<double>() > 0);
  const json answers = check_named(summary, "answers");
  CHECK(answers.at("state") == "passed");
  CHECK(answers.at("data").at("violation_directives").get<long>() > 0);
  CHECK(check_named(summary, "malformed").at("state") == "passed");
  CHECK(check_named(summary, "violations").at("state") == "passed");
}

TEST_CASE("simulate --protocol mqtt: bad options are usage errors, no broker is exit 3",
          "[devices][mqtt][simulate]") {
  SimulatorRun run = simulate({"--protocol", "mqtt"});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("--mqtt") != std::string::npos);
  run = simulate({"--protocol", "mqtt", "--mqtt", "mqtt://192.0.2.1:1883"});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("loopback") != std::string::npos);
  run = simulate({"--mqtt", "mqtt://127.0.0.1:1883"});
  CHECK(run.exit_code == 2);
  run = simulate({"--protocol", "coap"});
  CHECK(run.exit_code == 2);
  const std::string nobody =
      "mqtt://127.0.0.1:" + std::to_string(integration::free_loopback_port());
  run = simulate({"--protocol", "mqtt", "--mqtt", nobody});
  INFO(run.describe());
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("no MQTT broker") != std::string::npos);
}

}  // namespace
}  // namespace spime::devices_test

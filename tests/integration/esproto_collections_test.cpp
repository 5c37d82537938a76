// ESProto devices report to their collections through subscriptions: a
// device pico subscribes to each collection (Rx_role "device", Tx_role
// "collection"), and every threshold violation it finds goes to every
// established collection subscription exactly once -- on this engine and on
// another one (Tx_host).
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/esproto_helpers.h"

using namespace spime::integration;

namespace {

std::string esproto_file(const std::string& name) {
  return std::string(SPIME_SHARED_DIR) + "/esproto/" + name;
}

HttpResult heartbeat(const SpimeServer& s, const std::string& eci, const std::string& file) {
  return s.post("/sky/event/" + eci + "/none/wovyn/heartbeat", read_file(esproto_file(file)));
}

json collection_log(const SpimeServer& s, const std::string& eci) {
  return must_query(s, eci, "esproto_collection", "violations");
}

void make_collection(const SpimeServer& s, const std::string& eci) {
  install_ruleset(s, eci, shipped_ruleset_url("esproto_collection"), "esproto_collection");
}

void make_device(const SpimeServer& s, const std::string& eci) {
  install_ruleset(s, eci, shipped_ruleset_url("esproto_router"), "esproto_router");
  install_ruleset(s, eci, shipped_ruleset_url("esproto_device"), "esproto_device");
  must_event(s, eci, "esproto", "new_threshold",
             {{"threshold_type", "temperature"}, {"upper_limit", 80}, {"lower_limit", 50}});
}

}  // namespace

TEST_CASE("ESProto: a device in two collections reports each violation to both, once",
          "[integration]") {
  SpimeServer server;
  const std::string root = server.owner_eci();
  std::string sensor = new_child(server, root, "sensor");
  std::string hallway = new_child(server, root, "hallway");
  std::string battery_round = new_child(server, root, "battery round");
  make_device(server, sensor);
  make_collection(server, hallway);
  make_collection(server, battery_round);

  std::string hallway_sub = join_collection(server, sensor, server, hallway);
  join_collection(server, sensor, server, battery_round);
  json members = must_query(server, sensor, "esproto_device", "collections");
  REQUIRE(members.size() == 2);
  for (const auto& m : members) CHECK(m.at("Tx_role") == "collection");

  // Not a violation: nobody hears of it.
  REQUIRE(heartbeat(server, sensor, "temp-normal.json").status == 200);
  CHECK(collection_log(server, hallway).empty());
  CHECK(collection_log(server, battery_round).empty());

  // Two violations: each collection logs each one once, newest first, as
  // soon as the heartbeat's answer is back (local delivery is queued ahead).
  REQUIRE(heartbeat(server, sensor, "temp-hot.json").status == 200);
  REQUIRE(heartbeat(server, sensor, "temp-cold.json").status == 200);
  for (const std::string& c : {hallway, battery_round}) {
    json log = collection_log(server, c);
    REQUIRE(log.size() == 2);
    CHECK(log[0].at("direction") == "below");
    CHECK(log[1].at("direction") == "above");
    CHECK(log[1].at("value") == 90.5);
  }

  // A low battery goes to both as well.
  REQUIRE(heartbeat(server, sensor, "temp-low-battery.json").status == 200);
  for (const std::string& c : {hallway, battery_round}) {
    json low = must_query(server, c, "esproto_collection", "lowBattery");
    REQUIRE(low.size() == 1);
    CHECK(low[0].at("health_percent") == 12.5);
  }

  // Leaving the hallway: later violations reach the battery round only.
  must_event(server, sensor, "wrangler", "subscription_cancellation", {{"Id", hallway_sub}});
  REQUIRE(eventually(
      [&] { return must_query(server, sensor, "esproto_device", "collections").size() == 1; }));
  CHECK(must_query(server, hallway, kSubscriptionRid, "established").empty());
  REQUIRE(heartbeat(server, sensor, "temp-hot.json").status == 200);
  CHECK(collection_log(server, hallway).size() == 2);
  CHECK(collection_log(server, battery_round).size() == 3);

  // Restart: the membership and the logs are kept.
  server.restart();
  REQUIRE(heartbeat(server, sensor, "temp-cold.json").status == 200);
  CHECK(collection_log(server, hallway).size() == 2);
  CHECK(collection_log(server, battery_round).size() == 4);
}

TEST_CASE("ESProto: a collection on another engine gets the device's violations", "[integration]") {
  SpimeServer devices;
  SpimeServer collections;
  std::string sensor = new_child(devices, devices.owner_eci(), "sensor");
  std::string floor = new_child(collections, collections.owner_eci(), "second floor");
  make_device(devices, sensor);
  make_collection(collections, floor);
  join_collection(devices, sensor, collections, floor, collections.url());

  REQUIRE(heartbeat(devices, sensor, "temp-hot.json").status == 200);
  REQUIRE(heartbeat(devices, sensor, "temp-cold.json").status == 200);
  json log;
  REQUIRE(eventually(
      [&] {
        log = collection_log(collections, floor);
        return log.size() == 2;
      },
      std::chrono::seconds(10)));
  CHECK(log[0].at("direction") == "below");
  CHECK(log[1].at("direction") == "above");
}

// A collection member on another engine: spimes:add_to_collection with
// member_eci and member_host has the remote pico subscribe (Tx_host: this
// engine); its reports arrive through the outbox, the collection asks it for
// its status over HTTP, instructions reach it, and removal ends the
// subscription on both engines.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/spimes_helpers.h"

using namespace spime::integration;

TEST_CASE("spimes: a member on another engine", "[integration][spimes]") {
  SpimeServer home;    // the owner, its collections and a local device
  SpimeServer remote;  // a device of its own
  install_spimes(home);
  std::string hallway = make_collection(home, "hallway");
  std::string local = make_device(home, "msa_local");
  std::string far = make_device(remote, "msa_far");
  std::string far_id = must_query(remote, far, kWrangler, "id").get<std::string>();

  join(home, "hallway", "msa_local", local);
  CHECK(must_add(home, "hallway", "", {{"member_eci", far}, {"member_host", remote.url()}}) ==
        std::vector<std::string>{"member_added"});
  wait_settled(remote, far);
  REQUIRE(eventually([&] { return must_query(remote, far, kDevice, "collections").size() == 1; },
                     std::chrono::seconds(10)));
  json members = must_query(home, hallway, kCollection, "members");
  REQUIRE(members.size() == 2);
  const json& m = members[1];
  CHECK(m.at("name") == "msa_far");
  CHECK(m.at("id") == far_id);
  CHECK(m.at("Tx_host") == remote.url());
  CHECK(m.at("subscriber_role") == "device");
  CHECK(must_query(remote, far, kDevice, "collections")[0].at("Tx_host") == home.url());
  // Twice is a no-op (`member` may name the eci when member_host is given).
  CHECK(must_add(home, "hallway", far, {{"member_host", remote.url()}}) ==
        std::vector<std::string>{"already_a_member"});

  // Its violations arrive through the outbox.
  must_heartbeat(remote, far, "temp-hot.json");
  must_heartbeat(remote, far, "temp-low-battery.json");
  must_heartbeat(home, local, "temp-cold.json");
  REQUIRE(eventually([&] { return log_entries(home, hallway, "violations").size() == 2; },
                     std::chrono::seconds(10)));
  REQUIRE(eventually([&] { return log_entries(home, hallway, "battery_alerts").size() == 1; },
                     std::chrono::seconds(10)));
  json far_violation;
  for (const auto& e : log_entries(home, hallway, "violations")) {
    if (e.at("device_name") == "msa_far") far_violation = e;
  }
  REQUIRE(far_violation.is_object());
  CHECK(far_violation.at("device_id") == far_id);
  CHECK(far_violation.at("value") == 90.5);

  // Status and readings, asked over HTTP.
  json status = must_query(home, hallway, kCollection, "status");
  REQUIRE(status.size() == 2);
  CHECK(status[1].at("name") == "msa_far");
  CHECK(status[1].at("battery") == 12.5);
  CHECK(status[1].at("last_heard").is_string());
  json readings = must_query(home, hallway, kCollection, "last_readings");
  CHECK(readings[1].at("readings").at("temperature").at("readings")[0].at("temperatureF") == 74.1);

  // Instructions reach it.
  must_event(home, hallway, "spimes", "instruct_members", {{"settings", {{"sleepSeconds", 600}}}});
  REQUIRE(eventually(
      [&] {
        return must_query(remote, far, kDevice, "instructions").at("pending") ==
               json{{"sleepSeconds", 600}};
      },
      std::chrono::seconds(10)));

  // Removal ends it on both engines; later reports stay home.
  CHECK(must_remove(home, "hallway", "msa_far") == std::vector<std::string>{"member_removed"});
  CHECK(member_names(home, hallway) == std::vector<std::string>{"msa_local"});
  REQUIRE(eventually([&] { return must_query(remote, far, kDevice, "collections").empty(); },
                     std::chrono::seconds(10)));
  must_heartbeat(remote, far, "temp-cold.json");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(log_entries(home, hallway, "violations").size() == 2);
}

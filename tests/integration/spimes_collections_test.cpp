// spimes on the owner's pico: devices and collections as its children,
// joined with spimes:add_to_collection. Overlapping collections (a device in
// two), nested ones (a collection in a collection, the device in both),
// loops refused, removal, members(), status() and last_readings().
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "tests/integration/spimes_helpers.h"

using namespace spime::integration;

namespace {

std::set<std::string> ids_of(const json& entries) {
  std::set<std::string> ids;
  for (const auto& e : entries) ids.insert(e.at("id").get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE("spimes: a device in two collections, each logs each violation once",
          "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string battery = make_collection(s, "battery");
  std::string msa = make_device(s, "msa_00");

  CHECK(must_add(s, "hallway", "msa_00") == std::vector<std::string>{"member_added"});
  // When the event answers, the collection lists the member (its request
  // is queued there ahead of any later request)...
  CHECK(member_names(s, hallway) == std::vector<std::string>{"msa_00"});
  CHECK(must_add(s, "battery", "msa_00") == std::vector<std::string>{"member_added"});
  CHECK(member_names(s, battery) == std::vector<std::string>{"msa_00"});
  // ... and the device's side follows when the approval is back.
  wait_settled(s, msa);
  CHECK(must_query(s, msa, kDevice, "collections").size() == 2);
  // Twice is a no-op.
  CHECK(must_add(s, "hallway", "msa_00") == std::vector<std::string>{"already_a_member"});
  CHECK(must_query(s, msa, kDevice, "collections").size() == 2);

  json members = must_query(s, hallway, kCollection, "members");
  REQUIRE(members.size() == 1);
  CHECK(members[0].at("name") == "msa_00");
  CHECK(members[0].at("subscriber_role") == "device");
  CHECK_FALSE(members[0].contains("Tx_host"));
  std::string device_id = must_query(s, msa, kWrangler, "id").get<std::string>();
  CHECK(members[0].at("id") == device_id);
  // The member's eci reaches the device.
  CHECK(must_query(s, members[0].at("eci").get<std::string>(), kDevice, "thresholds")
            .contains("temperature"));

  must_heartbeat(s, msa, "temp-normal.json");
  json answer = must_heartbeat(s, msa, "temp-hot.json");
  CHECK(directive_names(answer) == std::vector<std::string>{"threshold_violation"});
  must_heartbeat(s, msa, "temp-cold.json");
  must_heartbeat(s, msa, "msa.json");  // one probe over 80
  must_heartbeat(s, msa, "temp-low-battery.json");

  for (const std::string& c : {hallway, battery}) {
    INFO("collection " << c);
    json page = log_page(s, c, "violations");
    REQUIRE(page.at("entries").size() == 3);
    CHECK(page.at("next").is_null());
    const json& newest = page.at("entries")[0];
    CHECK(newest.at("cursor").is_string());
    CHECK(newest.at("time").get<std::string>().size() == 24);
    const json& e = newest.at("entry");
    CHECK(e.at("value") == 81.12);
    CHECK(e.at("direction") == "above");
    CHECK(e.at("threshold") == 80);
    CHECK(e.at("sensor_type") == "temperature");
    CHECK(e.at("device_name") == "msa_00");
    CHECK(e.at("device_id") == device_id);
    CHECK(e.at("message").get<std::string>().find("above its upper limit 80") != std::string::npos);
    CHECK(e.at("device_timestamp").is_string());
    CHECK(e.at("received").is_string());
    CHECK(e.at("id").get<std::string>().rfind(device_id + ":", 0) == 0);
    std::set<std::string> keys;
    for (const auto& [k, v] : e.items()) keys.insert(k);
    CHECK(keys == std::set<std::string>{"device_name", "device_id", "sensor_type", "value",
                                        "threshold", "direction", "message", "device_timestamp",
                                        "received", "id"});
    json cold = page.at("entries")[1].at("entry");
    CHECK(cold.at("direction") == "below");
    CHECK(cold.at("threshold") == 50);
    CHECK(ids_of(log_entries(s, c, "violations")).size() == 3);

    json battery_page = log_page(s, c, "battery_alerts");
    REQUIRE(battery_page.at("entries").size() == 1);
    json b = battery_page.at("entries")[0].at("entry");
    CHECK(b.at("health_percent") == 12.5);
    CHECK(b.at("threshold") == 20);
    CHECK(b.at("device_name") == "msa_00");
    std::set<std::string> bkeys;
    for (const auto& [k, v] : b.items()) bkeys.insert(k);
    CHECK(bkeys == std::set<std::string>{"device_name", "device_id", "health_percent", "threshold",
                                         "device_timestamp", "received", "id"});
  }
  // The same reports, with the same ids, in both.
  CHECK(ids_of(log_entries(s, hallway, "violations")) ==
        ids_of(log_entries(s, battery, "violations")));

  // The owner sees both collections with their member counts.
  json collections = must_query(s, s.owner_eci(), kSpimes, "collections");
  REQUIRE(collections.size() == 2);
  for (const auto& c : collections) {
    CHECK(c.at("members") == 1);
    // Each has a channel for clients, which answers the collection's queries.
    std::string eci = c.at("eci").get<std::string>();
    CHECK(must_query(s, eci, kCollection, "members").size() == 1);
  }
}

TEST_CASE("spimes: removal from a collection stops its reports there only",
          "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string battery = make_collection(s, "battery");
  std::string msa = make_device(s, "msa_00");
  join(s, "hallway", "msa_00", msa);
  join(s, "battery", "msa_00", msa);
  must_heartbeat(s, msa, "temp-hot.json");
  const json members = must_query(s, hallway, kCollection, "members");
  REQUIRE(members.size() == 1);
  const json page = must_query(s, hallway, kCollection, "members_page", {{"limit", "1"}});
  CHECK(page.at("members") == members);
  CHECK(page.at("next").is_null());
  const json id = {{"id", members[0].at("id")}};
  CHECK(must_query(s, hallway, kCollection, "has_member", id) == true);
  CHECK(must_query(s, hallway, kCollection, "has_member", {{"id", "nobody"}}) == false);

  CHECK(must_remove(s, "hallway", "msa_00") == std::vector<std::string>{"member_removed"});
  // Both sides have let go when the event answers.
  CHECK(must_query(s, hallway, kCollection, "members").empty());
  CHECK(must_query(s, hallway, kCollection, "has_member", id) == false);
  CHECK(must_query(s, hallway, kSubscriptionRid, "established").empty());
  CHECK(must_query(s, msa, kDevice, "collections").size() == 1);
  CHECK(must_remove(s, "hallway", "msa_00") == std::vector<std::string>{"not_a_member"});

  must_heartbeat(s, msa, "temp-cold.json");
  CHECK(log_entries(s, hallway, "violations").size() == 1);
  CHECK(log_entries(s, battery, "violations").size() == 2);

  // It can join again.
  join(s, "hallway", "msa_00", msa);
  CHECK(must_query(s, hallway, kCollection, "has_member", id) == true);
  must_heartbeat(s, msa, "temp-cold.json");
  CHECK(log_entries(s, hallway, "violations").size() == 2);

  // A deleted device leaves every collection; their logs stay.
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "msa_00"}});
  REQUIRE(eventually([&] {
    return must_query(s, hallway, kCollection, "members").empty() &&
           must_query(s, battery, kCollection, "members").empty();
  }));
  CHECK(log_entries(s, battery, "violations").size() == 3);
  CHECK(must_query(s, s.owner_eci(), kSpimes, "collections")[0].at("members") == 0);
}

TEST_CASE("spimes: nested collections log a report once and loops are refused",
          "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string building = make_collection(s, "building");
  std::string hallway = make_collection(s, "hallway");
  std::string floor = make_collection(s, "floor");
  std::string msa = make_device(s, "msa_00");
  std::string other = make_device(s, "msa_01");

  // building ⊃ floor ⊃ hallway ∋ msa_00; msa_00 also directly in building;
  // msa_01 in the hallway only.
  join(s, "building", "floor", floor, {{"subscriber_role", "collection"}});
  join(s, "floor", "hallway", hallway, {{"subscriber_role", "collection"}});
  join(s, "hallway", "msa_00", msa);
  join(s, "building", "msa_00", msa);
  join(s, "hallway", "msa_01", other);
  CHECK(member_names(s, building) == std::vector<std::string>{"floor", "msa_00"});
  CHECK(must_query(s, building, kCollection, "members")[0].at("subscriber_role") == "collection");

  // Loops, however deep, and a collection in itself: refused with an error
  // answer, nothing changed.
  for (const auto& [collection, member] :
       std::vector<std::pair<std::string, std::string>>{{"hallway", "building"},
                                                        {"floor", "building"},
                                                        {"hallway", "floor"},
                                                        {"hallway", "hallway"}}) {
    INFO(member << " into " << collection);
    HttpResult r = add_to_collection(s, collection, member);
    CHECK(r.status == 500);
    REQUIRE(r.body.is_object());
    std::string error = r.body.value("error", "");
    if (collection == member) {
      CHECK(error.find("cannot be a member of itself") != std::string::npos);
    } else {
      CHECK(error.find("would make a loop") != std::string::npos);
    }
  }
  CHECK(member_names(s, hallway) == std::vector<std::string>{"msa_00", "msa_01"});

  must_heartbeat(s, msa, "temp-hot.json");
  must_heartbeat(s, other, "temp-cold.json");
  must_heartbeat(s, msa, "temp-low-battery.json");
  // Reports through the hallway reach the floor and the building after the
  // hallway's own schedule: poll.
  auto count = [&](const std::string& eci, const char* log) {
    return log_entries(s, eci, log).size();
  };
  REQUIRE(eventually([&] {
    return count(building, "violations") == 2 && count(floor, "violations") == 2 &&
           count(building, "battery_alerts") == 1;
  }));
  CHECK(count(hallway, "violations") == 2);
  CHECK(ids_of(log_entries(s, building, "violations")) ==
        ids_of(log_entries(s, hallway, "violations")));
  // Give stray copies a moment: still once each.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(count(building, "violations") == 2);
  CHECK(count(building, "battery_alerts") == 1);
  CHECK(count(floor, "battery_alerts") == 1);

  // A report whose path already holds the collection is dropped there.
  std::string building_id = must_query(s, building, kWrangler, "id").get<std::string>();
  must_event(s, building, "esproto", "threshold_violation",
             {{"id", "looped:1"}, {"path", {building_id}}, {"value", 1}});
  CHECK(count(building, "violations") == 2);
  must_event(s, building, "esproto", "threshold_violation", {{"id", "direct:1"}, {"value", 1}});
  CHECK(count(building, "violations") == 3);
}

TEST_CASE("spimes: unknown names and non-collections are errors", "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  make_collection(s, "hallway");
  make_device(s, "msa_00");
  struct Case {
    json attrs;
    const char* says;
  };
  const Case cases[] = {
      {{{"collection", "nowhere"}, {"member", "msa_00"}}, "no child of this pico is named"},
      {{{"collection", "hallway"}, {"member", "nobody"}}, "no child of this pico is named"},
      {{{"collection", "msa_00"}, {"member", "hallway"}}, "is not a collection"},
      {{{"member", "msa_00"}}, "the collection is missing"},
      {{{"collection", "hallway"}, {"member_eci", "x"}}, "member_eci needs member_host"},
  };
  for (const Case& c : cases) {
    INFO(c.attrs.dump());
    HttpResult r = s.event(s.owner_eci(), "spimes", "add_to_collection", c.attrs);
    CHECK(r.status == 500);
    REQUIRE(r.body.is_object());
    CHECK(r.body.value("error", "").find(c.says) != std::string::npos);
  }
  HttpResult r = s.event(s.owner_eci(), "spimes", "remove_from_collection",
                         {{"collection", "hallway"}, {"member", "nobody"}});
  CHECK(r.status == 500);
  CHECK(r.text.find("is neither a member") != std::string::npos);
  CHECK(must_query(s, s.owner_eci(), kSpimes, "collections")[0].at("members") == 0);
}

TEST_CASE("spimes: status() and last_readings() ask the members live", "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string a = make_device(s, "msa_00");
  std::string b = make_device(s, "msa_01");
  join(s, "hallway", "msa_00", a);
  join(s, "hallway", "msa_01", b);

  json status = must_query(s, hallway, kCollection, "status");
  REQUIRE(status.size() == 2);
  CHECK(status[0].at("name") == "msa_00");
  CHECK(status[0].at("last_heard").is_null());
  CHECK(status[0].at("silent") == false);

  must_heartbeat(s, a, "temp-low-battery.json");
  must_heartbeat(s, b, "msa.json");
  status = must_query(s, hallway, kCollection, "status");
  CHECK(status[0].at("battery") == 12.5);
  CHECK(status[0].at("last_heard").is_string());
  CHECK(status[1].at("last_heard").is_string());
  std::set<std::string> keys;
  for (const auto& [k, v] : status[0].items()) keys.insert(k);
  CHECK(keys == std::set<std::string>{"name", "id", "last_heard", "battery", "silent"});

  json readings = must_query(s, hallway, kCollection, "last_readings");
  REQUIRE(readings.size() == 2);
  CHECK(readings[0].at("name") == "msa_00");
  CHECK(readings[0].at("readings").at("temperature").at("readings")[0].contains("temperatureF"));
  CHECK(readings[1].at("readings").contains("humidity"));
}

namespace {

// A ruleset of the owner's that uses spimes as a module, as the ESProto
// design writes it.
const char* kUser = R"krl(
ruleset it.spimes_user {
  meta {
    use module spimes
    shares mine
  }
  global {
    mine = function() { spimes:collections() }
  }
  rule add {
    select when it add
    spimes:add_to_collection(event:attr("collection"), event:attr("member"),
                             collection_role = "", subscriber_role = "esproto_device")
  }
  rule remove {
    select when it remove
    spimes:remove_from_collection(event:attr("collection"), event:attr("member"))
  }
}
)krl";

}  // namespace

TEST_CASE("spimes: the module's actions, with a collection role of \"\"", "[integration][spimes]") {
  TempDir krl;
  SpimeServer s;
  install_spimes(s);
  install_ruleset(s, s.owner_eci(), file_url(krl.write("it.spimes_user.krl", kUser)),
                  "it.spimes_user");
  std::string hallway = make_collection(
      s, "hallway", {{"collection_role", ""}, {"subscriber_role", "esproto_device"}});
  std::string msa = make_device(s, "msa_00");

  must_event(s, s.owner_eci(), "it", "add", {{"collection", "hallway"}, {"member", "msa_00"}});
  wait_settled(s, msa);
  json members = must_query(s, hallway, kCollection, "members");
  REQUIRE(members.size() == 1);
  CHECK(members[0].at("subscriber_role") == "esproto_device");
  // The device knows the hallway for a collection although its role is "".
  json joined = must_query(s, msa, kDevice, "collections");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].at("Tx_role") == "");
  CHECK(joined[0].at("Rx_role") == "esproto_device");
  json mine = must_query(s, s.owner_eci(), "it.spimes_user", "mine");
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].at("name") == "hallway");
  CHECK(mine[0].at("collection_role") == "");

  must_heartbeat(s, msa, "temp-hot.json");
  CHECK(log_entries(s, hallway, "violations").size() == 1);

  // A module action that refuses fails the event that called it.
  HttpResult r = s.event(s.owner_eci(), "it", "add", {{"collection", "hallway"}, {"member", "x"}});
  CHECK(r.status == 500);
  CHECK(r.text.find("no child of this pico is named") != std::string::npos);

  must_event(s, s.owner_eci(), "it", "remove", {{"collection", "hallway"}, {"member", "msa_00"}});
  CHECK(must_query(s, hallway, kCollection, "members").empty());
  CHECK(must_query(s, msa, kDevice, "collections").empty());
}

TEST_CASE("spimes: a collection accepts requests with its roles by itself, others wait",
          "[integration][spimes]") {
  SpimeServer s;
  std::string hallway = make_collection(s, "hallway");
  std::string dev = make_device(s, "msa_00");
  std::string stranger = make_device(s, "stranger");
  std::string wk = well_known_rx(s, hallway);

  // Roles as configured (collection / device): accepted at once.
  must_event(s, dev, "wrangler", "subscription",
             {{"wellKnown_Tx", wk}, {"Rx_role", "device"}, {"Tx_role", "collection"}});
  wait_settled(s, dev);
  json members = must_query(s, hallway, kCollection, "members");
  REQUIRE(members.size() == 1);
  CHECK(members[0].at("name") == "msa_00");
  CHECK(members[0].at("id") == must_query(s, dev, kWrangler, "id"));
  CHECK(must_query(s, dev, kDevice, "collections").size() == 1);
  must_heartbeat(s, dev, "temp-cold.json");
  CHECK(log_entries(s, hallway, "violations").size() == 1);

  // Other roles: left pending for someone to decide.
  must_event(s, stranger, "wrangler", "subscription",
             {{"wellKnown_Tx", wk}, {"Rx_role", "visitor"}, {"Tx_role", "host"}});
  REQUIRE(
      eventually([&] { return must_query(s, hallway, kSubscriptionRid, "inbound").size() == 1; }));
  CHECK(must_query(s, hallway, kCollection, "members").size() == 1);
}

// The device side of a spime, driven by the engine's manual clock: silence
// detected with one scheduled check per device (reported once, then back
// with the next heartbeat; a device that keeps beating is never reported),
// instructions handed to a sleeping device in its next heartbeat's answer,
// and the per-sensor history.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/spimes_helpers.h"

using namespace spime::integration;

namespace {

constexpr std::int64_t kMinute = 60 * 1000;

json presence_entries(const SpimeServer& s, const std::string& collection) {
  return log_entries(s, collection, "presence");
}

size_t count_state(const json& entries, const std::string& device, const std::string& state) {
  size_t n = 0;
  for (const auto& e : entries) n += e.at("device_name") == device && e.at("state") == state;
  return n;
}

json status_of(const SpimeServer& s, const std::string& collection, const std::string& name) {
  for (const auto& m : must_query(s, collection, kCollection, "status")) {
    if (m.at("name") == name) return m;
  }
  FAIL("no member " << name);
  return {};
}

// The heartbeat of `file` without its own heartbeatSeconds.
std::string without_interval(const std::string& file) {
  json hb = json::parse(read_file(esproto_payload(file)));
  hb.at("genericThing").erase("heartbeatSeconds");
  return hb.dump();
}

std::vector<double> values(const json& page) {
  std::vector<double> out;
  for (const auto& e : page.at("entries")) out.push_back(e.at("entry").at("value").get<double>());
  return out;
}

}  // namespace

TEST_CASE("spimes: a device that misses 3 intervals is reported silent once, then back",
          "[integration][spimes]") {
  SpimeServer s(manual_clock());
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string quiet = make_device(s, "quiet");
  std::string busy = make_device(s, "busy");
  join(s, "hallway", "quiet", quiet);
  join(s, "hallway", "busy", busy);

  // The heartbeats say heartbeatSeconds 600: silent after 3 x 600 s unheard.
  must_heartbeat(s, quiet, "temp-normal.json");
  must_heartbeat(s, busy, "temp-normal.json");
  json st = must_query(s, quiet, kDevice, "status");
  CHECK(st.at("heartbeat_interval_seconds") == 600);
  CHECK(st.at("silent") == false);

  // busy beats every 10 minutes for an hour and a half; quiet never again.
  // A check that comes due is queued at its pico when the clock answers;
  // the query to quiet waits for its check, so it runs before the clock
  // moves on (busy's runs before busy's heartbeat).
  auto ten_minutes = [&] {
    advance_clock(s, 10 * kMinute);
    must_query(s, quiet, kDevice, "status");
    must_heartbeat(s, busy, "temp-normal.json");
  };
  for (int i = 1; i <= 9; ++i) ten_minutes();
  // quiet's check came due at 30 minutes: reported once, not again since.
  REQUIRE(eventually(
      [&] { return count_state(presence_entries(s, hallway), "quiet", "silent") == 1; }));
  json presence = presence_entries(s, hallway);
  CHECK(presence.size() == 1);
  CHECK(count_state(presence, "busy", "silent") == 0);
  const json& e = presence[0];
  CHECK(e.at("state") == "silent");
  CHECK(e.at("last_heard") == "2023-11-14T22:13:20.000Z");
  CHECK(e.at("received") == "2023-11-14T22:43:20.000Z");
  CHECK(e.at("id").is_string());
  CHECK(status_of(s, hallway, "quiet").at("silent") == true);
  CHECK(status_of(s, hallway, "busy").at("silent") == false);
  // One scheduled check per device, none while silent. busy's check at
  // minute 90 ran before its heartbeat then: last heard at minute 80, next
  // due at minute 110.
  json quiet_check = must_query(s, quiet, kDevice, "silence_check");
  CHECK(quiet_check.at("scheduled") == 0);
  CHECK(quiet_check.at("due").is_null());
  json busy_check = must_query(s, busy, kDevice, "silence_check");
  CHECK(busy_check.at("scheduled") == 1);
  CHECK(busy_check.at("due") == "2023-11-15T00:03:20.000Z");

  // Its next heartbeat reports it back (once) and arms the check again.
  must_heartbeat(s, quiet, "temp-normal.json");
  REQUIRE(
      eventually([&] { return count_state(presence_entries(s, hallway), "quiet", "back") == 1; }));
  CHECK(status_of(s, hallway, "quiet").at("silent") == false);
  json back = presence_entries(s, hallway)[0];
  CHECK(back.at("state") == "back");
  CHECK(back.at("last_heard") == "2023-11-14T23:43:20.000Z");

  // Silent again after another 30 minutes; busy still never.
  for (int i = 1; i <= 4; ++i) ten_minutes();
  REQUIRE(eventually(
      [&] { return count_state(presence_entries(s, hallway), "quiet", "silent") == 2; }));
  CHECK(count_state(presence_entries(s, hallway), "busy", "silent") == 0);
  CHECK(presence_entries(s, hallway).size() == 3);

  // A page of presence as the other logs.
  json page = log_page(s, hallway, "presence", {{"limit", 2}});
  CHECK(page.at("entries").size() == 2);
  CHECK(page.at("next").is_string());
}

TEST_CASE("spimes: without heartbeatSeconds the configured interval counts",
          "[integration][spimes]") {
  SpimeServer s(manual_clock());
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string dev =
      make_device(s, "dev", {{"heartbeat_interval_seconds", 60}, {"missed_heartbeats", 2}});
  join(s, "hallway", "dev", dev);
  auto beat = [&] {
    HttpResult r =
        s.post("/sky/event/" + dev + "/none/wovyn/heartbeat", without_interval("temp-normal.json"));
    REQUIRE(r.status == 200);
  };
  beat();
  CHECK(must_query(s, dev, kDevice, "status").at("heartbeat_interval_seconds") == 60);
  // Beating every 100 s (within 2 x 60 s): never silent.
  for (int i = 0; i < 5; ++i) {
    advance_clock(s, 100 * 1000);
    beat();
  }
  advance_clock(s, 100 * 1000);
  CHECK(must_query(s, dev, kDevice, "status").at("silent") == false);
  // 120 s after the last beat: silent.
  advance_clock(s, 20 * 1000);
  REQUIRE(eventually([&] { return presence_entries(s, hallway).size() == 1; }));
  CHECK(must_query(s, dev, kDevice, "status").at("silent") == true);
}

TEST_CASE("spimes: instructions are delivered once, in a heartbeat's answer",
          "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string building = make_collection(s, "building");
  std::string battery = make_collection(s, "battery");
  std::string dev = make_device(s, "msa_00");
  join(s, "battery", "msa_00", dev);
  join(s, "building", "battery", battery, {{"subscriber_role", "collection"}});

  json none = must_query(s, dev, kDevice, "instructions");
  CHECK(none.at("pending") == json::object());
  CHECK(none.at("delivered").at("entries").empty());

  must_event(s, dev, "esproto", "new_instructions", {{"settings", {{"sleepSeconds", 600}}}});
  must_event(s, dev, "esproto", "new_instructions",
             {{"settings", {{"reportEvery", 2}, {"sleepSeconds", 900}}}});
  json settings = {{"sleepSeconds", 900}, {"reportEvery", 2}};
  CHECK(must_query(s, dev, kDevice, "instructions").at("pending") == settings);

  // A malformed heartbeat does not take them.
  HttpResult bad = s.post("/sky/event/" + dev + "/none/wovyn/heartbeat",
                          read_file(esproto_payload("bad/data-not-a-map.json")));
  CHECK(bad.status == 200);
  CHECK(must_query(s, dev, kDevice, "instructions").at("pending") == settings);

  json answer = must_heartbeat(s, dev, "temp-normal.json");
  REQUIRE(directive_names(answer) == std::vector<std::string>{"instructions"});
  CHECK(answer.at("directives")[0].at("options") == settings);
  json after = must_query(s, dev, kDevice, "instructions");
  CHECK(after.at("pending") == json::object());
  REQUIRE(after.at("delivered").at("entries").size() == 1);
  json delivered = after.at("delivered").at("entries")[0].at("entry");
  CHECK(delivered.at("settings") == settings);
  CHECK(delivered.at("delivered").is_string());

  // Once only.
  CHECK(directive_names(must_heartbeat(s, dev, "temp-normal.json")).empty());

  // From a collection, and through an outer one: spimes:instruct_members.
  std::string battery_client;
  for (const auto& c : must_query(s, s.owner_eci(), kSpimes, "collections")) {
    if (c.at("name") == "battery") battery_client = c.at("eci").get<std::string>();
  }
  REQUIRE(!battery_client.empty());
  must_event(s, battery_client, "spimes", "instruct_members",
             {{"settings", {{"sleepSeconds", 1200}}}});
  REQUIRE(eventually([&] {
    return must_query(s, dev, kDevice, "instructions").at("pending") ==
           json{{"sleepSeconds", 1200}};
  }));
  must_event(s, building, "spimes", "instruct_members", {{"settings", {{"ledOff", true}}}});
  REQUIRE(eventually([&] {
    return must_query(s, dev, kDevice, "instructions").at("pending") ==
           json{{"sleepSeconds", 1200}, {"ledOff", true}};
  }));
  answer = must_heartbeat(s, dev, "temp-normal.json");
  CHECK(answer.at("directives")[0].at("options") == json{{"sleepSeconds", 1200}, {"ledOff", true}});
  CHECK(must_query(s, dev, kDevice, "instructions").at("delivered").at("entries").size() == 2);
}

TEST_CASE("spimes: history() pages a sensor type's readings, bounded by count and age",
          "[integration][spimes]") {
  SpimeServer s(manual_clock());
  std::string dev =
      make_device(s, "msa_00", {{"max_history_entries", 6}, {"max_history_age_seconds", 3600}});
  const char* files[] = {"temp-normal.json", "temp-hot.json", "temp-cold.json", "msa.json"};
  for (const char* f : files) {
    must_heartbeat(s, dev, f);
    advance_clock(s, 5 * kMinute);
  }
  // temperature: 74.1, 90.5, 41, then 78.8 and 81.12 from one heartbeat.
  json page = must_query(s, dev, kDevice, "history", {{"sensor_type", "temperature"}});
  CHECK(values(page) == std::vector<double>{81.12, 78.8, 41, 90.5, 74.1});
  CHECK(page.at("next").is_null());
  json newest = page.at("entries")[0];
  CHECK(newest.at("entry").at("name") == "enclosure temp");
  CHECK(newest.at("time") == "2023-11-14T22:28:20.000Z");
  CHECK(newest.at("entry").at("device_timestamp") == "2023-11-14T22:28:20.000Z");

  // By cursor, two at a time.
  json p1 = must_query(s, dev, kDevice, "history", {{"sensor_type", "temperature"}, {"limit", 2}});
  CHECK(values(p1) == std::vector<double>{81.12, 78.8});
  json p2 = must_query(s, dev, kDevice, "history",
                       {{"sensor_type", "temperature"}, {"limit", 2}, {"cursor", p1.at("next")}});
  CHECK(values(p2) == std::vector<double>{41, 90.5});

  // A time window (receipt times: every 5 minutes from the start).
  json window = must_query(s, dev, kDevice, "history",
                           {{"sensor_type", "temperature"},
                            {"since", kClockStart + 5 * kMinute},
                            {"until", "2023-11-14T22:23:20.000Z"}});
  CHECK(values(window) == std::vector<double>{41, 90.5});
  // Other types, and one never seen.
  CHECK(values(must_query(s, dev, kDevice, "history", {{"sensor_type", "humidity"}})) ==
        std::vector<double>{38.4});
  CHECK(must_query(s, dev, kDevice, "history", {{"sensor_type", "light"}}).at("entries").empty());

  // At most 6 kept: the newest.
  must_heartbeat(s, dev, "msa.json");
  must_heartbeat(s, dev, "temp-hot.json");
  page = must_query(s, dev, kDevice, "history", {{"sensor_type", "temperature"}, {"limit", 100}});
  CHECK(values(page) == std::vector<double>{90.5, 81.12, 78.8, 81.12, 78.8, 41});

  // An hour later, only what is younger than an hour.
  advance_clock(s, 60 * kMinute);
  must_heartbeat(s, dev, "temp-cold.json");
  page = must_query(s, dev, kDevice, "history", {{"sensor_type", "temperature"}, {"limit", 100}});
  CHECK(values(page) == std::vector<double>{41, 90.5, 81.12, 78.8});
}

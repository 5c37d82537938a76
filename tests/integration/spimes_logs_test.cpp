// A collection's logs: paging by cursor over many violations, time windows,
// retention by count and by age, and many clients beating at once (each
// violation logged once, in every collection it reaches, nested or not).
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/spimes_helpers.h"

using namespace spime::integration;

namespace {

std::vector<std::string> page_ids(const json& page) {
  std::vector<std::string> ids;
  for (const auto& e : page.at("entries")) ids.push_back(e.at("entry").at("id").get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE("spimes: a collection's violations page by cursor, newest first, and keep the newest",
          "[integration][spimes]") {
  SpimeServer s(manual_clock());
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string small = make_collection(s, "small", {{"max_log_entries", 10}});
  std::string young = make_collection(s, "young", {{"max_log_age_seconds", 3600}});
  std::string dev = make_device(s, "msa_00");
  for (const char* c : {"hallway", "small", "young"}) join(s, c, "msa_00", dev);

  // 64 violations, one a minute.
  constexpr int kViolations = 64;
  for (int i = 0; i < kViolations; ++i) {
    must_heartbeat(s, dev, i % 2 ? "temp-cold.json" : "temp-hot.json");
    // The reports are queued at the collections; a query there waits for
    // them, so they are logged at minute i, before the clock moves.
    for (const std::string& c : {hallway, small, young}) log_page(s, c, "violations");
    advance_clock(s, 60 * 1000);
  }
  std::vector<std::string> all;
  json cursor;
  int pages = 0;
  do {
    json args = {{"limit", 25}};
    if (!cursor.is_null()) args["cursor"] = cursor;
    json page = log_page(s, hallway, "violations", args);
    ++pages;
    for (const auto& id : page_ids(page)) all.push_back(id);
    cursor = page.at("next");
  } while (!cursor.is_null());
  CHECK(pages == 3);
  REQUIRE(all.size() == kViolations);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == kViolations);
  // Newest first: the device's counter (the ids' last part, after
  // <pico id>:<epoch>:) runs backwards down the pages.
  std::string device_id = must_query(s, dev, kWrangler, "id").get<std::string>();
  const std::string prefix = all.back().substr(0, all.back().rfind(':') + 1);
  CHECK(prefix.rfind(device_id + ":", 0) == 0);
  CHECK(all.front() == prefix + std::to_string(kViolations));
  CHECK(all.back() == prefix + "1");

  // A window of receipt times: minutes 10 to 14.
  json window = log_page(s, hallway, "violations",
                         {{"since", kClockStart + 10 * 60 * 1000},
                          {"until", std::to_string(kClockStart + 14 * 60 * 1000)}});
  CHECK(page_ids(window) == std::vector<std::string>{prefix + "15", prefix + "14", prefix + "13",
                                                     prefix + "12", prefix + "11"});

  // max_log_entries 10: the newest ten.
  json kept = log_page(s, small, "violations", {{"limit", 100}});
  std::vector<std::string> newest(all.begin(), all.begin() + 10);
  CHECK(page_ids(kept) == newest);

  // max_log_age_seconds 3600: the last hour's (minutes 4 to 63; now is minute 64).
  CHECK(log_page(s, young, "violations", {{"limit", 100}}).at("entries").size() == 60);
}

TEST_CASE("spimes: many clients beating at once, every violation is logged once",
          "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string building = make_collection(s, "building");
  std::string hallway = make_collection(s, "hallway");
  std::string battery = make_collection(s, "battery");
  join(s, "building", "hallway", hallway, {{"subscriber_role", "collection"}});
  constexpr int kDevices = 8, kBeats = 10;
  std::vector<std::string> devices;
  for (int d = 0; d < kDevices; ++d) {
    std::string name = "msa_" + std::to_string(d);
    devices.push_back(make_device(s, name));
    join(s, "hallway", name, devices.back());
    join(s, d % 2 ? "battery" : "building", name, devices.back());
  }

  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int d = 0; d < kDevices; ++d) {
    clients.emplace_back([&, d] {
      for (int i = 0; i < kBeats; ++i) {
        HttpResult r = post_heartbeat(s, devices[d], i % 2 ? "temp-cold.json" : "temp-hot.json");
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(failures == 0);

  const size_t total = kDevices * kBeats;
  auto count = [&](const std::string& eci) {
    json entries = log_entries(s, eci, "violations");
    std::set<std::string> ids;
    for (const auto& e : entries) ids.insert(e.at("id").get<std::string>());
    CHECK(ids.size() == entries.size());
    return entries.size();
  };
  // Local delivery is queued before each heartbeat's answer; the building
  // hears of the hallway's reports one hop later.
  CHECK(count(hallway) == total);
  CHECK(count(battery) == total / 2);
  REQUIRE(eventually([&] { return count(building) == total; }, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(count(building) == total);
  CHECK(count(hallway) == total);
}

TEST_CASE("spimes: a reinstalled device's reports are new, not repeats", "[integration][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string hallway = make_collection(s, "hallway");
  std::string dev = make_device(s, "msa_00");
  join(s, "hallway", "msa_00", dev);
  must_heartbeat(s, dev, "temp-hot.json");
  // Reinstalled: its entity variables (the report counter too) start empty.
  must_event(s, dev, "wrangler", "uninstall_ruleset_request", {{"rid", kDevice}});
  install_ruleset(s, dev, shipped_ruleset_url("esproto_device"), kDevice);
  must_event(s, dev, "esproto", "new_threshold",
             {{"threshold_type", "temperature"}, {"upper_limit", 80}, {"lower_limit", 50}});
  REQUIRE(must_query(s, dev, kDevice, "collections").size() == 1);
  must_heartbeat(s, dev, "temp-hot.json");
  json entries = log_entries(s, hallway, "violations");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].at("id") != entries[1].at("id"));
}

// Overlapping and nested collections made with `spime collection new` and
// `spime collection add`: a device in two collections, a collection inside
// another (and the device in the outer one directly as well); after hot
// heartbeats, `spime violations` (and `spime battery`) in each collection
// shows each report exactly once. A loop is refused (exit 1).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;
using spime::integration::eventually;

namespace {

// The report ids of a collection's log, each with how often it appears
// (`spime violations|battery COLLECTION --json`, one page of up to 1000).
std::map<std::string, int> logged(const CliServer& s, const std::string& command,
                                  const std::string& collection) {
  std::map<std::string, int> ids;
  const json page = s.expect_json({command, collection, "--limit", "1000"});
  CHECK(page.at("next").is_null());
  for (const auto& e : page.at("entries")) ++ids[e.at("entry").at("id").get<std::string>()];
  return ids;
}

std::set<std::string> keys(const std::map<std::string, int>& ids) {
  std::set<std::string> out;
  for (const auto& [id, n] : ids) out.insert(id);
  return out;
}

std::vector<std::string> member_names(const CliServer& s, const std::string& collection) {
  std::vector<std::string> names;
  for (const auto& m : s.expect_json({"collection", "ls", collection}))
    names.push_back(m.at("name"));
  return names;
}

}  // namespace

TEST_CASE("overlapping and nested collections log each report once in each", "[cli]") {
  CliServer s;
  for (const char* c : {"building", "floor", "hallway", "battery"})
    s.expect(0, {"collection", "new", c});
  const std::string msa =
      s.expect_json({"pico", "new", "msa_00", "--prototype", "esproto-msa"}).at("transducer_url");
  const std::string temp =
      s.expect_json({"pico", "new", "t_01", "--prototype", "esproto-temp"}).at("transducer_url");

  // building ⊃ floor ⊃ hallway ∋ msa_00, t_01; msa_00 also in battery
  // (overlapping) and directly in building (its reports reach building twice).
  s.join("building", "floor", {"--subscriber-role", "collection"});
  s.join("floor", "hallway", {"--subscriber-role", "collection"});
  s.join("hallway", "msa_00");
  s.join("battery", "msa_00");
  s.join("building", "msa_00");
  s.join("hallway", "t_01");
  CHECK(member_names(s, "building") == std::vector<std::string>{"floor", "msa_00"});
  CHECK(member_names(s, "hallway") == std::vector<std::string>{"msa_00", "t_01"});
  CHECK(s.expect_json({"query", "msa_00", "esproto_device", "collections"}).size() == 3);
  CHECK(s.expect_json({"collection", "ls"}).size() == 4);

  // Loops, however deep, and a collection in itself: refused, nothing changed.
  for (const auto& [collection, member] : std::vector<std::pair<std::string, std::string>>{
           {"hallway", "building"}, {"floor", "building"}, {"hallway", "floor"}}) {
    Run r = s.expect(1, {"collection", "add", collection, member});
    CHECK_THAT(r.err, Catch::StartsWith("spime collection add: Error: "));
    CHECK_THAT(r.err, Catch::Contains("spimes: adding \"" + member + "\" to \"" + collection +
                                      "\" would make a loop"));
    CHECK(r.out.empty());
  }
  CHECK_THAT(s.expect(1, {"collection", "add", "hallway", "hallway"}).err,
             Catch::Contains("spimes: \"hallway\" cannot be a member of itself"));
  CHECK(member_names(s, "hallway") == std::vector<std::string>{"msa_00", "t_01"});
  CHECK(member_names(s, "floor") == std::vector<std::string>{"hallway"});
  // Adding again is nothing to do.
  CHECK(s.expect(0, {"collection", "add", "battery", "msa_00"}).out ==
        "Pico/msa_00 is already in Pico/battery: nothing to do\n");

  // msa_00: too hot, too cold, low battery; t_01: too cold, too hot.
  CHECK(s.heartbeat(msa, "temp-hot.json") == std::vector<std::string>{"threshold_violation"});
  CHECK(s.heartbeat(msa, "temp-cold.json") == std::vector<std::string>{"threshold_violation"});
  CHECK(s.heartbeat(msa, "temp-low-battery.json") == std::vector<std::string>{"battery_level_low"});
  CHECK(s.heartbeat(temp, "temp-cold.json") == std::vector<std::string>{"threshold_violation"});
  CHECK(s.heartbeat(temp, "temp-hot.json") == std::vector<std::string>{"threshold_violation"});

  // Reports through the hallway reach the floor and the building after the
  // hallway's own schedule: poll, bounded.
  const std::map<std::string, std::size_t> expected = {
      {"hallway", 4}, {"floor", 4}, {"building", 4}, {"battery", 2}};
  REQUIRE(eventually(
      [&] {
        for (const auto& [c, n] : expected) {
          if (logged(s, "violations", c).size() != n || logged(s, "battery", c).size() != 1)
            return false;
        }
        return true;
      },
      std::chrono::seconds(10)));
  // Give stray copies a moment: still each exactly once.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto hallway = logged(s, "violations", "hallway");
  for (const auto& [c, n] : expected) {
    INFO("collection " << c);
    for (const char* log : {"violations", "battery"}) {
      INFO(log);
      for (const auto& [id, times] : logged(s, log, c)) {
        INFO(id);
        CHECK(times == 1);
      }
    }
    const auto here = logged(s, "violations", c);
    CHECK(here.size() == n);
    if (c != "battery") CHECK(keys(here) == keys(hallway));
  }
  // battery holds msa_00's two, which the others hold too.
  for (const auto& [id, times] : logged(s, "violations", "battery")) CHECK(hallway.count(id) == 1);
  CHECK(keys(logged(s, "battery", "battery")) == keys(logged(s, "battery", "building")));
  // The table shows them too, one line each.
  const std::string table = s.expect(0, {"violations", "building"}).out;
  CHECK(std::count(table.begin(), table.end(), '\n') == 5);
  CHECK_THAT(table, Catch::Contains("  msa_00  temperature  41 "));
  CHECK_THAT(table, Catch::Contains("  t_01    temperature  90.5 "));
}

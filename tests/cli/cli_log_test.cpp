// `spime violations` on a real collection (the shipped spimes_collection,
// fed by an esproto-temp device's heartbeats): pages by cursor, --since and
// --until on the engine's manual clock, --json, --follow, and retention by
// the collection prototype's max_log_entries.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/cli_fixture.h"
#include "tests/cli/cli_prototypes.h"

using namespace spime::cli_test;
using spime::integration::advance_clock;
using spime::integration::kClockStart;

namespace {

// A hot heartbeat whose one probe reads `fahrenheit`.
std::string hot_heartbeat(double fahrenheit) {
  json hb = json::parse(esproto_payload("temp-hot.json"));
  hb["genericThing"]["data"]["temperature"][0]["temperatureF"] = fahrenheit;
  return hb.dump();
}

// A collection `hall` with the device `probe` (esproto-temp) in it;
// answers the device's heartbeat URL.
std::string hall_with_probe(const CliServer& s) {
  s.expect(0, {"collection", "new", "hall"});
  const std::string url =
      s.expect_json({"pico", "new", "probe", "--prototype", "esproto-temp"}).at("transducer_url");
  s.join("hall", "probe");
  return url;
}

void beat(const CliServer& s, const std::string& url, double fahrenheit) {
  spime::integration::HttpResult r = s.post_to(url, hot_heartbeat(fahrenheit));
  INFO(spime::integration::describe(r));
  REQUIRE(r.status == 200);
  CHECK(spime::integration::directive_names(r.body) ==
        std::vector<std::string>{"threshold_violation"});
}

std::vector<double> values(const json& page) {
  std::vector<double> out;
  for (const auto& e : page.at("entries")) out.push_back(e.at("entry").at("value").get<double>());
  return out;
}

std::vector<std::string> cursors_of_lines(const std::string& ndjson) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < ndjson.size()) {
    const std::size_t end = ndjson.find('\n', at);
    json line = json::parse(ndjson.substr(at, end - at), nullptr, false);
    out.push_back(line.is_object() ? line.value("cursor", "?") : "not JSON");
    at = end == std::string::npos ? ndjson.size() : end + 1;
  }
  return out;
}

// The text after "older: --cursor " in a table's last line; "" when none.
std::string older_cursor(const std::string& out) {
  const std::string mark = "\nolder: --cursor ";
  const std::size_t at = out.rfind(mark);
  if (at == std::string::npos) return "";
  return out.substr(at + mark.size(), out.size() - at - mark.size() - 1);
}

}  // namespace

TEST_CASE("violations: pages by cursor, since and until, JSON", "[cli]") {
  CliServer s(spime::integration::manual_clock());
  const std::string url = hall_with_probe(s);
  CHECK(s.expect(0, {"violations", "hall"}).out ==
        "TIME  DEVICE  SENSOR  VALUE  THRESHOLD  DIRECTION  MESSAGE\n");
  // 81 F at the clock's start, then 82, 83, ... a minute apart. The report
  // is queued at the collection when the heartbeat answers; a query there
  // runs after it, so it is logged before the clock moves on.
  for (int v = 81; v <= 85; ++v) {
    if (v > 81) advance_clock(s.server, 60 * 1000);
    beat(s, url, v);
    CHECK(s.expect_json({"violations", "hall", "--limit", "1"}).at("entries").size() == 1);
  }

  Run r = s.expect(0, {"violations", "hall", "--limit", "2"});
  CHECK_THAT(r.out,
             Catch::Matches("TIME +DEVICE +SENSOR +VALUE +THRESHOLD +DIRECTION +MESSAGE\n"
                            "2023-11-14T22:17:20.000Z  probe +temperature +85 +80 +above +.*\n"
                            "2023-11-14T22:16:20.000Z  probe +temperature +84 +80 +above +.*\n"
                            "older: --cursor [^ ]+\n"));
  const std::string second = older_cursor(r.out);
  r = s.expect(0, {"violations", "hall", "--limit", "2", "--cursor", second});
  CHECK_THAT(r.out, Catch::Matches("TIME .*\n[^ ]+  probe +temperature +83 .*\n"
                                   "[^ ]+  probe +temperature +82 .*\nolder: --cursor [^ ]+\n"));
  r = s.expect(0, {"violations", "hall", "--limit", "2", "--cursor", older_cursor(r.out)});
  CHECK_THAT(r.out,
             Catch::Matches("TIME .*\n2023-11-14T22:13:20.000Z  probe +temperature +81 .*\n"));
  CHECK(older_cursor(r.out).empty());

  json page = s.expect_json({"violations", "hall", "--limit", "2"});
  CHECK(values(page) == std::vector<double>{85, 84});
  CHECK(page.at("next") == second);
  page = s.expect_json({"violations", "hall", "--limit", "3", "--cursor", second});
  CHECK(values(page) == std::vector<double>{83, 82, 81});
  CHECK(page.at("next").is_null());
  const json& entry = page.at("entries").at(0).at("entry");
  CHECK(entry.at("device_name") == "probe");
  CHECK(entry.at("direction") == "above");
  CHECK(entry.at("sensor_type") == "temperature");

  // Received at or after --since, at or before --until (ISO, or ms since the epoch).
  CHECK(values(s.expect_json({"violations", "hall", "--since", "2023-11-14T22:15:20.000Z"})) ==
        std::vector<double>{85, 84, 83});
  CHECK(values(s.expect_json({"violations", "hall", "--until", "2023-11-14T22:15:20.000Z"})) ==
        std::vector<double>{83, 82, 81});
  CHECK(values(s.expect_json(
            {"violations", "hall", "--since", std::to_string(kClockStart + 60 * 1000), "--until",
             std::to_string(kClockStart + 3 * 60 * 1000)})) == std::vector<double>{84, 83, 82});
  // No low battery here.
  CHECK(s.expect(0, {"battery", "hall"}).out == "TIME  DEVICE  HEALTH %  THRESHOLD  DEVICE TIME\n");
}

TEST_CASE("violations --follow prints what comes, oldest first", "[cli]") {
  CliServer s;
  const std::string url = hall_with_probe(s);
  for (int v = 81; v <= 83; ++v) beat(s, url, v);
  // The page there is (oldest first), then what comes, one JSON object a
  // line; --follow-for bounds it.
  Run followed;
  const Args follow = {"violations", "hall", "--limit", "2", "--follow-for", "4", "--json"};
  std::thread follower([&] { followed = s.run(follow); });
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  for (int v = 84; v <= 86; ++v) beat(s, url, v);  // more than a page: read back to 83
  follower.join();
  INFO(describe(follow, followed));
  CHECK(followed.exit_code == 0);
  const json all = s.expect_json({"violations", "hall", "--limit", "100"});
  REQUIRE(values(all) == std::vector<double>{86, 85, 84, 83, 82, 81});
  std::vector<std::string> expected;
  for (int i = 4; i >= 0; --i) expected.push_back(all.at("entries").at(i).at("cursor"));
  CHECK(cursors_of_lines(followed.out) == expected);
}

TEST_CASE("violations: a collection's prototype keeps its newest N entries", "[cli]") {
  PrototypesFolder folder;
  CliServer s(folder.options());
  CHECK(s.expect_json({"prototype", "show", "hall-3"}).at("config").at("max_log_entries") == 3);
  const std::string url = hall_with_probe(s);
  s.expect(0, {"pico", "new", "small", "--prototype", "hall-3"});
  s.join("small", "probe");
  for (int v = 81; v <= 85; ++v) beat(s, url, v);
  // Both logged each as it came; small keeps only the newest 3.
  json kept = s.expect_json({"violations", "small", "--limit", "100"});
  CHECK(values(kept) == std::vector<double>{85, 84, 83});
  CHECK(kept.at("next").is_null());
  CHECK(values(s.expect_json({"violations", "hall", "--limit", "100"})) ==
        std::vector<double>{85, 84, 83, 82, 81});
  beat(s, url, 86);
  CHECK(values(s.expect_json({"violations", "small"})) == std::vector<double>{86, 85, 84});
}

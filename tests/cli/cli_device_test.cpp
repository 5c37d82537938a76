// A device's life seen from the command line: silence and return on the
// engine's manual clock (`spime status`, and the presence log the rulesets
// write), and instructions from `spime device set` handed to the sensor
// once, in the answer to its next heartbeat.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;
using spime::integration::advance_clock;
using spime::integration::eventually;

namespace {

constexpr std::int64_t kMinute = 60 * 1000;

json status_of(const CliServer& s, const std::string& collection, const std::string& name) {
  const json status = s.expect_json({"status", collection});
  for (const auto& m : status) {
    if (m.at("name") == name) return m;
  }
  FAIL("no member " << name << " in " << status.dump());
  return json();
}

// The presence log's entries, newest first, as "<device> <state>".
std::vector<std::string> presence(const CliServer& s, const std::string& collection) {
  std::vector<std::string> out;
  const json page = s.expect_json({"query", collection, "spimes_collection", "presence"});
  for (const auto& e : page.at("entries")) {
    out.push_back(e.at("entry").at("device_name").get<std::string>() + " " +
                  e.at("entry").at("state").get<std::string>());
  }
  return out;
}

// The answer to a heartbeat of shared/esproto/<file> posted to `url`.
json answer_to(const CliServer& s, const std::string& url, const std::string& file) {
  spime::integration::HttpResult r = s.post_to(url, esproto_payload(file));
  INFO(spime::integration::describe(r));
  REQUIRE(r.status == 200);
  return r.body;
}

}  // namespace

TEST_CASE("status: a device silent for 3 intervals, then back with its next heartbeat", "[cli]") {
  CliServer s(spime::integration::manual_clock());
  s.expect(0, {"collection", "new", "hall"});
  const std::string quiet =
      s.expect_json({"pico", "new", "quiet", "--prototype", "esproto-temp"}).at("transducer_url");
  const std::string busy =
      s.expect_json({"pico", "new", "busy", "--prototype", "esproto-temp"}).at("transducer_url");
  s.join("hall", "quiet");
  s.join("hall", "busy");
  // The heartbeats say heartbeatSeconds 600: silent after 3 x 600 s unheard.
  s.heartbeat(quiet, "temp-normal.json");
  s.heartbeat(busy, "temp-normal.json");
  CHECK(status_of(s, "hall", "quiet").at("silent") == false);
  CHECK_THAT(s.expect(0, {"status", "hall"}).out,
             Catch::Matches("MEMBER +ID +LAST HEARD +BATTERY +SILENT\n"
                            "quiet +[^ ]+ +2023-11-14T22:13:20.000Z +[0-9.]+ +false\n"
                            "busy +[^ ]+ +2023-11-14T22:13:20.000Z +[0-9.]+ +false\n"));

  // busy beats every 10 minutes; quiet never. A silence check that comes due
  // is queued at its pico when the clock answers; the query of quiet runs
  // after it, before the clock moves on.
  for (int i = 1; i <= 4; ++i) {
    advance_clock(s.server, 10 * kMinute);
    s.expect_json({"query", "quiet", "esproto_device", "status"});
    s.heartbeat(busy, "temp-normal.json");
  }
  REQUIRE(eventually([&] { return presence(s, "hall").size() == 1; }));
  CHECK(presence(s, "hall") == std::vector<std::string>{"quiet silent"});
  CHECK(status_of(s, "hall", "quiet").at("silent") == true);
  CHECK(status_of(s, "hall", "busy").at("silent") == false);
  CHECK_THAT(s.expect(0, {"status", "hall"}).out,
             Catch::Matches("MEMBER .*\n"
                            "quiet +[^ ]+ +2023-11-14T22:13:20.000Z +[0-9.]+ +true\n"
                            "busy +[^ ]+ +2023-11-14T22:53:20.000Z +[0-9.]+ +false\n"));
  // Silence is a presence report, not a violation.
  CHECK(s.expect_json({"violations", "hall"}).at("entries").empty());

  // Its next heartbeat: back, once.
  s.heartbeat(quiet, "temp-normal.json");
  REQUIRE(eventually([&] { return presence(s, "hall").size() == 2; }));
  CHECK(presence(s, "hall") == std::vector<std::string>{"quiet back", "quiet silent"});
  json back = status_of(s, "hall", "quiet");
  CHECK(back.at("silent") == false);
  CHECK(back.at("last_heard") == "2023-11-14T22:53:20.000Z");
  s.heartbeat(quiet, "temp-normal.json");
  CHECK(presence(s, "hall").size() == 2);
}

TEST_CASE("device set: the instructions go out once, in a heartbeat's answer", "[cli]") {
  CliServer s;
  const std::string url =
      s.expect_json({"pico", "new", "probe", "--prototype", "esproto-temp"}).at("transducer_url");
  CHECK(s.expect(0, {"device", "set", "probe", "sleepSeconds=60"}).out ==
        "sent to probe:\n  sleepSeconds  60\n");
  CHECK(s.expect_json({"query", "probe", "esproto_device", "instructions"}).at("pending") ==
        json{{"sleepSeconds", 60}});

  json answer = answer_to(s, url, "temp-normal.json");
  REQUIRE(answer.at("directives").size() == 1);
  CHECK(answer.at("directives")[0].at("name") == "instructions");
  CHECK(answer.at("directives")[0].at("options") == json{{"sleepSeconds", 60}});
  // Once only.
  CHECK(answer_to(s, url, "temp-normal.json").at("directives") == json::array());
  json kept = s.expect_json({"query", "probe", "esproto_device", "instructions"});
  CHECK(kept.at("pending") == json::object());
  REQUIRE(kept.at("delivered").at("entries").size() == 1);
  CHECK(kept.at("delivered").at("entries")[0].at("entry").at("settings") ==
        json{{"sleepSeconds", 60}});

  // Settings sent before a heartbeat merge; a hot one carries them beside its violation.
  s.expect(0, {"device", "set", "probe", "sleepSeconds=600"});
  s.expect(0, {"device", "set", "probe", "ledOff=true"});
  CHECK(s.heartbeat(url, "temp-hot.json") ==
        std::vector<std::string>{"instructions", "threshold_violation"});
  CHECK(answer_to(s, url, "temp-hot.json").at("directives").size() == 1);

  // Sent to a collection, they reach its members.
  s.expect(0, {"collection", "new", "hall"});
  s.join("hall", "probe");
  s.expect(0, {"device", "set", "hall", "sleepSeconds=900"});
  REQUIRE(eventually([&] {
    return s.expect_json({"query", "probe", "esproto_device", "instructions"}).at("pending") ==
           json{{"sleepSeconds", 900}};
  }));
  answer = answer_to(s, url, "temp-normal.json");
  REQUIRE(answer.at("directives").size() == 1);
  CHECK(answer.at("directives")[0].at("options") == json{{"sleepSeconds", 900}});
  CHECK(answer_to(s, url, "temp-normal.json").at("directives") == json::array());
}

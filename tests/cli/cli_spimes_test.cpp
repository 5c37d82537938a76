// The collection commands against the shipped prototypes and spimes
// rulesets, and the engine's refusals relayed as they are. device set is
// tested in full (a test ruleset keeps the settings it gets).
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;

TEST_CASE("prototype ls, show and check", "[cli]") {
  CliServer s;
  Run r = s.expect(0, {"prototype", "ls"});
  CHECK_THAT(r.out, Catch::StartsWith("PROTOTYPE       DESCRIPTION\n"
                                      "collection      A collection of spimes"));
  CHECK_THAT(r.out, Catch::Contains("\nesproto-temp    Wovyn ESProto Temp-2000"));
  json listed = s.expect_json({"prototype", "ls"});
  CHECK(listed.at("prototypes").size() == 4);
  json shown = s.expect_json({"prototype", "show", "esproto-msa"});
  CHECK(shown.at("name") == "esproto-msa");
  CHECK(shown.at("extends") == "esproto-device");
  CHECK(shown.at("initialization").size() == 3);
  CHECK(shown == listed.at("prototypes").at(2));
  CHECK_THAT(s.expect(0, {"prototype", "show", "esproto-msa"}).out,
             Catch::StartsWith("{\n  \"channels\": ["));
  CHECK(s.expect(1, {"prototype", "show", "sensor"}).err ==
        "spime prototype show: Error: unknown prototype sensor\n");

  spime::testing::TempDir dir;
  const std::string good = dir.write("hall-2.yaml", "name: hall-2\nextends: collection\n");
  CHECK(s.expect(0, {"prototype", "check", good}).out == good + " ok: hall-2\n");
  CHECK(s.expect_json({"prototype", "check", good}) ==
        json{{"ok", true}, {"prototypes", {"hall-2"}}});
  CHECK(s.expect(1, {"prototype", "show", "hall-2"}).err ==
        "spime prototype show: Error: unknown prototype hall-2\n");  // a check loads nothing
  // A YAML syntax error: file:line:col: message, as `spime krl check` says its problems.
  const std::string bad = dir.write("bad.yaml", "name: [unclosed\n");
  r = s.expect(1, {"prototype", "check", bad});
  CHECK_THAT(r.err, Catch::StartsWith(bad + ":"));
  CHECK_THAT(r.err, Catch::Contains(": YAML: "));
  CHECK(r.out.empty());
  // Every file is checked; the first problem decides.
  r = s.expect(1, {"prototype", "check", bad, good});
  CHECK(r.out == good + " ok: hall-2\n");
  CHECK(s.expect(2, {"prototype", "check", "/no/such.yaml"}).err ==
        "spime prototype check: /no/such.yaml: No such file or directory\n");
}

TEST_CASE("collection new without the prototype makes nothing", "[cli]") {
  spime::testing::TempDir empty;  // an engine with no prototype at all
  spime::integration::ServerOptions options;
  options.extra_args = {"--prototypes", empty.path()};
  CliServer s(options);
  Run r = s.expect(1, {"collection", "new", "hall"});
  CHECK(r.err ==
        "spime collection new: prototype 'collection': Error: unknown prototype collection\n");
  CHECK(r.out.empty());
  CHECK(s.expect_json({"pico", "ls"}).at("children").empty());
  r = s.expect(1, {"pico", "new", "probe", "--prototype", "esproto-temp"});
  CHECK(r.err ==
        "spime pico new: prototype 'esproto-temp': Error: unknown prototype esproto-temp\n");
  CHECK(s.expect_json({"pico", "ls"}).at("children").empty());
}

TEST_CASE("collections from the command line: new, add, a violation logged, status, rm", "[cli]") {
  CliServer s;
  s.expect(0, {"collection", "new", "hall"});
  json made = s.expect_json({"pico", "new", "probe", "--prototype", "esproto-temp"});
  const std::string transducer = made.at("transducer_url").get<std::string>();
  s.expect(0, {"pico", "new", "far", "--parent", "hall"});
  // spimes is installed on the parent (the root) on first use.
  CHECK(s.expect(0, {"collection", "add", "hall", "probe"}).out ==
        "added Pico/probe to Pico/hall\n");
  CHECK(s.expect(1, {"collection", "add", "hall", "far"}).err ==
        "spime collection add: Pico/hall and Pico/hall/far must be children of the same pico "
        "(it keeps the collection)\n");
  json listed = s.expect_json({"collection", "ls"});
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("name") == "hall");
  json members = s.expect_json({"collection", "ls", "hall"});
  REQUIRE(members.size() == 1);
  CHECK(members[0].at("name") == "probe");

  // A hot heartbeat on the sensor's URL (its path after the engine's url).
  const std::string path = transducer.substr(s.server.url().size());
  spime::integration::HttpResult hb =
      s.server.post(path, spime::integration::read_file(SPIME_SHARED_DIR "/esproto/temp-hot.json"));
  REQUIRE(hb.status == 200);
  json page;
  for (int i = 0; i < 50; ++i) {  // the report travels over the subscription: bounded wait
    page = s.expect_json({"violations", "hall"});
    if (page.at("entries").size() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(page.at("entries").size() == 1);
  const json& entry = page.at("entries")[0].at("entry");
  CHECK(entry.at("device_name") == "probe");
  CHECK(entry.at("direction") == "above");
  CHECK_THAT(s.expect(0, {"violations", "hall"}).out, Catch::Contains("probe"));
  json status = s.expect_json({"status", "hall"});
  REQUIRE(status.size() == 1);
  CHECK(status[0].at("silent") == false);

  CHECK(s.expect(0, {"collection", "rm", "hall", "probe"}).out ==
        "removed Pico/probe from Pico/hall\n");
  CHECK(s.expect_json({"collection", "ls", "hall"}) == json::array());
}

TEST_CASE("members, violations, battery and status relay the engine's refusal", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "hall"});
  for (const Args& command :
       {Args{"collection", "ls", "hall"}, Args{"violations", "hall"},
        Args{"violations", "hall", "--limit", "5", "--since", "2026-01-01T00:00:00Z"},
        Args{"violations", "hall", "--follow-for", "1"}, Args{"battery", "hall"},
        Args{"status", "hall"}}) {
    Run r = s.expect(1, command);
    CHECK_THAT(r.err, Catch::Contains("spimes_collection"));
    CHECK(r.out.empty());
  }
  CHECK(s.expect(1, {"status", "nowhere"}).err ==
        "spime status: no pico named 'nowhere' (`spime pico ls` lists them)\n");
}

TEST_CASE("device set sends esproto:new_instructions with typed settings", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "probe"});
  s.expect(0, {"ruleset", "install", "probe", kEchoFile});
  Run r = s.expect(0, {"device", "set", "probe", "upper=80.5", "name=hot spot", "on=true",
                       "list=[1,2]", "quoted=\"5\""});
  CHECK(r.out ==
        "sent to probe:\n  list    [1,2]\n  name    \"hot spot\"\n  on      true\n"
        "  quoted  \"5\"\n  upper   80.5\n");
  CHECK(
      s.expect_json({"query", "probe", kEchoRid, "settings"}) ==
      json{{"upper", 80.5}, {"name", "hot spot"}, {"on", true}, {"list", {1, 2}}, {"quoted", "5"}});
  CHECK(s.expect(1, {"device", "set", "nosuch", "a=1"}).err ==
        "spime device set: no pico named 'nosuch' (`spime pico ls` lists them)\n");
}

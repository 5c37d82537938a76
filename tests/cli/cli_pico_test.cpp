// The pico commands, event and query, and ruleset against a real
// `spime serve`: exit codes, human output and --json.
#include <catch2/catch.hpp>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;

TEST_CASE("pico new, ls, show and rm with plain children", "[cli]") {
  CliServer s;
  Run r = s.expect(0, {"pico", "new", "hall"});
  CHECK_THAT(r.out, Catch::StartsWith("made pico Pico/hall\n  ui eci  "));
  CHECK(r.err.empty());
  CHECK_THAT(s.expect(0, {"pico", "new", "probe", "--parent", "hall"}).out,
             Catch::StartsWith("made pico Pico/hall/probe\n"));
  json made = s.expect_json({"pico", "new", "lamp"});
  CHECK(made.at("path") == "Pico/lamp");
  CHECK(made.at("ui_eci").is_string());

  r = s.expect(0, {"pico", "ls"});
  CHECK_THAT(r.out, Catch::Matches("NAME +UI ECI +CHILDREN\n"
                                   "Pico +[^ ]+ +2\n"
                                   "  hall +[^ ]+ +1\n"
                                   "    probe +[^ ]+ +0\n"
                                   "  lamp +[^ ]+ +0\n"));
  json tree = s.expect_json({"pico", "ls"});
  CHECK(tree.at("name") == "Pico");
  REQUIRE(tree.at("children").size() == 2);
  const json hall = tree.at("children").at(0);
  CHECK(hall.at("name") == "hall");
  CHECK(hall.at("children").at(0).at("name") == "probe");
  CHECK(tree.at("children").at(1).at("eci") == made.at("ui_eci"));

  r = s.expect(0, {"pico", "show", "probe"});
  CHECK_THAT(r.out, Catch::Contains("name      probe\npath      Pico/hall/probe\nid        "));
  CHECK_THAT(r.out, Catch::Contains("parent    " + hall.at("eci").get<std::string>()));
  CHECK_THAT(r.out, Catch::Contains("\nCHANNEL "));
  CHECK_THAT(r.out, Catch::Contains("spime-cli"));
  CHECK_THAT(r.out, Catch::Contains("\nio.picolabs.wrangler "));
  json shown = s.expect_json({"pico", "show", "Pico/hall/probe"});
  CHECK(shown.at("name") == "probe");
  CHECK(shown.at("path") == "Pico/hall/probe");
  CHECK(shown.at("eci") == hall.at("children").at(0).at("eci"));
  CHECK(shown.at("channels").is_array());
  json myself = s.expect_json({"query", "probe", "io.picolabs.wrangler", "myself"});
  CHECK(shown.at("id") == myself.at("id"));
  // A UI ECI names its pico too.
  CHECK_THAT(s.expect(0, {"pico", "show", hall.at("eci").get<std::string>()}).out,
             Catch::Contains("path      Pico/hall\n"));

  r = s.expect(0, {"pico", "rm", "hall"});
  CHECK(r.out == "removed pico Pico/hall\n");
  tree = s.expect_json({"pico", "ls"});
  REQUIRE(tree.at("children").size() == 1);
  CHECK(tree.at("children").at(0).at("name") == "lamp");
  CHECK(s.expect(1, {"pico", "show", "probe"}).err ==
        "spime pico show: no pico named 'probe' (`spime pico ls` lists them)\n");
  CHECK(s.expect(1, {"pico", "rm", "Pico"}).err ==
        "spime pico rm: the root pico cannot be removed\n");
}

TEST_CASE("an ambiguous name is refused with the candidates' paths", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "a"});
  s.expect(0, {"pico", "new", "b"});
  s.expect(0, {"pico", "new", "x", "--parent", "a"});
  s.expect(0, {"pico", "new", "x", "--parent", "b"});
  const std::string candidates =
      "'x' names 2 picos: Pico/a/x, Pico/b/x (give a path or a UI ECI)\n";
  Run r = s.expect(1, {"pico", "show", "x"});
  CHECK(r.err == "spime pico show: " + candidates);
  CHECK(r.out.empty());
  CHECK(s.expect(1, {"event", "x", "cli:echo"}).err == "spime event: " + candidates);
  CHECK(s.expect(1, {"pico", "new", "y", "--parent", "x"}).err == "spime pico new: " + candidates);
  CHECK_THAT(s.expect(0, {"pico", "show", "Pico/b/x"}).out,
             Catch::Contains("path      Pico/b/x\n"));
}

TEST_CASE("event and query through a ruleset installed from the command line", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "lamp"});
  Run r = s.expect(0, {"ruleset", "install", "lamp", kEchoFile});
  CHECK(r.out == "installed " + kEchoRid + " on Pico/lamp\n");

  r = s.expect(0, {"event", "lamp", "cli:echo", "--attrs", R"({"thing": "bulb", "n": 2})"});
  CHECK(r.out == "DIRECTIVE  OPTIONS\necho       {\"n\":2,\"thing\":\"bulb\"}\n");
  spime::testing::TempDir dir;
  const std::string attrs = dir.write("attrs.json", R"({"thing": "fan"})");
  json answer = s.expect_json({"event", "lamp", "cli:echo", "--attrs", "@" + attrs});
  CHECK(answer.at("eid").is_string());
  CHECK(answer.at("directives").at(0).at("name") == "echo");
  CHECK(answer.at("directives").at(0).at("options").at("thing") == "fan");
  CHECK(s.expect(0, {"event", "lamp", "cli:nothing"}).out == "no directives\n");

  CHECK(s.expect(0, {"query", "lamp", kEchoRid, "hello", "name=ann", "times=3"}).out ==
        "hello ann x3\n");
  CHECK(s.expect_json({"query", "lamp", kEchoRid, "count"}) == 2);
  CHECK(s.expect_json({"query", "Pico/lamp", kEchoRid, "hello", "name=\"7\""}) == "hello 7 x1");

  // An ECI is used as it is: the owner's admits everything; a UI channel
  // admits only the UI's events.
  CHECK(s.expect(0, {"query", s.server.owner_eci(), "io.picolabs.wrangler", "name"}).out ==
        "Pico\n");
  json lamp = s.expect_json({"pico", "show", "lamp"});
  r = s.expect(1, {"event", lamp.at("eci").get<std::string>(), "cli:echo"});
  CHECK(r.err == "spime event: Error: Not allowed by channel policy\n");

  r = s.expect(0, {"ruleset", "ls", "--pico", "lamp"});
  CHECK_THAT(r.out, Catch::StartsWith("RULESET "));
  CHECK_THAT(r.out, Catch::Contains("\n" + kEchoRid + "  "));
  json rulesets = s.expect_json({"ruleset", "ls"});
  CHECK(rulesets.at(0).at("rid") == "io.picolabs.pico-engine-ui");
  CHECK(s.expect(0, {"ruleset", "flush", kEchoRid, "--pico", "lamp"}).out ==
        "flushed file://" + kEchoFile + "\n");
  CHECK(s.expect(1, {"ruleset", "flush", kEchoRid}).err ==
        "spime ruleset flush: no ruleset " + kEchoRid +
            " on Pico: give its URL, or --pico a pico that has it\n");
}

TEST_CASE("refusals by the engine exit 1 with its error", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "lamp"});
  spime::integration::HttpResult direct =
      s.server.query(s.server.owner_eci(), "no.such.rid", "f", json::object());
  REQUIRE(direct.status == 404);
  Run r = s.expect(1, {"query", s.server.owner_eci(), "no.such.rid", "f"});
  CHECK(r.err == "spime query: " + direct.body.at("error").get<std::string>() + "\n");
  CHECK(r.out.empty());
  r = s.expect(1, {"ruleset", "install", "lamp", "/no/such/ruleset.krl"});
  CHECK_THAT(r.err, Catch::StartsWith("spime ruleset install: Error: "));
  CHECK_THAT(r.err, Catch::Contains("/no/such/ruleset.krl"));
  CHECK(s.expect(1, {"query", "nobody", "r", "f"}).err ==
        "spime query: no pico named 'nobody' (`spime pico ls` lists them)\n");
}

TEST_CASE("a pico named like a command is a name, not that command", "[cli]") {
  CliServer s;
  s.expect(0, {"collection", "new", "battery"});
  s.expect(0, {"pico", "new", "status", "--parent", "battery"});
  CHECK(s.expect_json({"collection", "ls", "battery"}) == json::array());
  CHECK_THAT(s.expect(0, {"pico", "show", "status"}).out,
             Catch::Contains("path      Pico/battery/status\n"));
  CHECK(s.expect(0, {"query", "status", "io.picolabs.wrangler", "name"}).out == "status\n");
  // Still one command per line: a second command word is an extra argument.
  CHECK_THAT(s.expect(2, {"pico", "ls", "status"}).err,
             Catch::Contains("The following argument was not expected: status"));
}

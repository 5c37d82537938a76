// Every exit code of the client commands, for each group of them (pico,
// collection, violations, battery, status, device, event, query, ruleset,
// prototype): 0 done, 1 refused (by the engine, or a name it does not
// know), 2 bad usage, 3 no engine at --url. Refusals and unreachable
// engines say so on stderr as "spime <command>: ..." and print nothing on
// stdout.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;

namespace {

// One group's commands: one that works, one the engine (or a name) refuses
// with what stderr then holds, one that is bad usage with what CLI11 or the
// command says.
struct Group {
  Args ok;
  Args refused;
  std::string refused_says;
  Args misused;
  std::string misused_says;
};

// The name a command reports under: its words before the first argument.
std::string command_of(const Args& args) {
  const bool two_words = args[0] == "pico" || args[0] == "collection" || args[0] == "device" ||
                         args[0] == "ruleset" || args[0] == "prototype";
  return two_words ? args[0] + " " + args[1] : args[0];
}

}  // namespace

TEST_CASE("exit codes 0, 1, 2 and 3 in every group of commands", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "lamp"});
  s.expect(0, {"collection", "new", "hall"});
  const json probe = s.expect_json({"pico", "new", "probe", "--prototype", "esproto-temp"});
  s.join("hall", "probe");
  s.heartbeat(probe.at("transducer_url"), "temp-hot.json");
  // The device's transducer channel admits heartbeats only.
  std::string transducer;
  const json shown = s.expect_json({"pico", "show", "probe"});
  for (const auto& c : shown.at("channels")) {
    if (c.at("tags") == json{"esproto", "transducer"}) transducer = c.at("id");
  }
  REQUIRE(!transducer.empty());
  const std::string threshold =
      R"({"threshold_type": "humidity", "upper_limit": 60, "lower_limit": 20})";

  const std::vector<Group> groups = {
      {{"pico", "show", "probe"},
       {"pico", "show", "nobody"},
       "no pico named 'nobody'",
       {"pico", "new"},
       "name is required"},
      {{"collection", "ls", "hall"},
       {"collection", "add", "lamp", "probe"},
       "spimes: \"lamp\" is not a collection",
       {"collection", "add", "hall"},
       "member is required"},
      {{"violations", "hall"},
       {"violations", "lamp"},
       "spimes_collection",
       {"violations", "hall", "--limit", "0"},
       "--limit"},
      {{"battery", "hall", "--limit", "5"},
       {"battery", "lamp"},
       "spimes_collection",
       {"battery", "hall", "--limit", "many"},
       "--limit"},
      {{"status", "hall"}, {"status", "lamp"}, "spimes_collection", {"status"}, "is required"},
      {{"device", "set", "probe", "sleepSeconds=60"},
       {"device", "set", transducer, "sleepSeconds=60"},
       "Error: Not allowed by channel policy",
       {"device", "set", "probe", "sleepSeconds"},
       "expected KEY=VALUE, got 'sleepSeconds'"},
      {{"event", "probe", "esproto:new_threshold", "--attrs", threshold},
       {"event", transducer, "esproto:new_threshold", "--attrs", threshold},
       "Error: Not allowed by channel policy",
       {"event", "probe", "esproto-new_threshold"},
       "the event type must be DOMAIN:TYPE"},
      {{"query", "probe", "esproto_device", "thresholds", "type=temperature"},
       {"query", "probe", "esproto_device", "nothing"},
       "Error: Ruleset esproto_device does not have query function \"nothing\"",
       {"query", "probe", "esproto_device", "thresholds", "temperature"},
       "expected KEY=VALUE, got 'temperature'"},
      {{"ruleset", "ls", "--pico", "probe"},
       {"ruleset", "install", "lamp", "/no/such/ruleset.krl"},
       "/no/such/ruleset.krl",
       {"ruleset", "install", "lamp", kEchoFile, "--config", "[1]"},
       "--config must be a JSON object"},
      {{"prototype", "show", "esproto-temp"},
       {"prototype", "show", "esproto-thermostat"},
       "Error: unknown prototype esproto-thermostat",
       {"prototype", "check", "/no/such.yaml"},
       "/no/such.yaml: No such file or directory"},
  };
  const std::string nowhere =
      "http://127.0.0.1:" + std::to_string(spime::integration::free_loopback_port());
  for (const Group& g : groups) {
    const std::string command = command_of(g.ok);
    INFO("spime " << command);
    CHECK(s.expect(0, g.ok).err.empty());

    Run r = s.expect(1, g.refused);
    CHECK_THAT(r.err, Catch::StartsWith("spime " + command_of(g.refused) + ": "));
    CHECK_THAT(r.err, Catch::Contains(g.refused_says));
    CHECK(r.out.empty());

    r = s.expect(2, g.misused);
    CHECK_THAT(r.err, Catch::Contains(g.misused_says));
    CHECK(r.out.empty());

    Args unreachable = g.ok;
    unreachable.insert(unreachable.end(), {"--url", nowhere});
    r = run_spime(unreachable);
    INFO(describe(unreachable, r));
    CHECK(r.exit_code == 3);
    CHECK(r.err == "spime " + command + ": cannot reach the engine at " + nowhere +
                       ": connection refused (is `spime serve` running? set --url or "
                       "SPIME_URL)\n");
    CHECK(r.out.empty());
  }
  // What the exit-0 commands did.
  CHECK(s.expect_json({"query", "probe", "esproto_device", "instructions"}).at("pending") ==
        json{{"sleepSeconds", 60}});
  CHECK(s.expect_json({"query", "probe", "esproto_device", "thresholds"}).at("humidity") ==
        json{{"upper_limit", 60}, {"lower_limit", 20}});
}

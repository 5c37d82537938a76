// wrangler:new_child_request with `prototype`, raised by a ruleset: a
// fixture ruleset installed with `spime ruleset install`, the event sent
// with `spime event`; `spime pico ls` shows the child under its maker and
// `spime pico show` the prototype's rulesets and channels.
#include <catch2/catch.hpp>

#include <string>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;

TEST_CASE("a ruleset makes a pico from a prototype (wrangler:new_child_request)", "[cli]") {
  CliServer s;
  s.expect(0, {"pico", "new", "factory"});
  CHECK(s.expect(0, {"ruleset", "install", "factory", fixture("proto_maker.krl")}).out ==
        "installed spime.test.proto_maker on Pico/factory\n");

  Run r = s.expect(0, {"event", "factory", "test:make", "--attrs",
                       R"({"name": "msa-1", "prototype": "esproto-msa"})"});
  CHECK_THAT(r.out, Catch::StartsWith("DIRECTIVE  OPTIONS\nnew_child  {"));
  json answer = s.expect_json({"event", "factory", "test:make", "--attrs",
                               R"({"name": "hall", "prototype": "collection"})"});
  CHECK(answer.at("directives").at(0).at("options").at("prototype") == "collection");

  CHECK_THAT(s.expect(0, {"pico", "ls"}).out, Catch::Matches("NAME +UI ECI +CHILDREN\n"
                                                             "Pico +[^ ]+ +1\n"
                                                             "  factory +[^ ]+ +2\n"
                                                             "    msa-1 +[^ ]+ +0\n"
                                                             "    hall +[^ ]+ +0\n"));
  r = s.expect(0, {"pico", "show", "msa-1"});
  CHECK_THAT(r.out, Catch::Contains("path      Pico/factory/msa-1\n"));
  CHECK_THAT(r.out, Catch::Contains("\nesproto_router "));
  CHECK_THAT(r.out, Catch::Contains("\nesproto_device "));
  CHECK_THAT(r.out, Catch::Contains("  esproto,transducer  "));
  CHECK_THAT(r.out, Catch::Contains("  esproto,query  "));
  CHECK_THAT(s.expect(0, {"pico", "show", "Pico/factory/hall"}).out,
             Catch::Contains("\nspimes_collection "));
  // Its initialization events ran: the multi-sensor array's three thresholds.
  json thresholds = s.expect_json({"query", "msa-1", "esproto_device", "thresholds"});
  CHECK(thresholds.at("humidity") == json{{"upper_limit", 60}, {"lower_limit", 20}});
  CHECK(thresholds.size() == 3);

  // An unknown prototype fails the event: nothing made.
  r = s.expect(1, {"event", "factory", "test:make", "--attrs",
                   R"({"name": "x", "prototype": "esproto-thermostat"})"});
  CHECK_THAT(r.err, Catch::StartsWith("spime event: Error: "));
  CHECK_THAT(r.err, Catch::Contains("unknown prototype esproto-thermostat"));
  CHECK(s.expect_json({"pico", "ls"}).at("children").at(0).at("children").size() == 2);
}

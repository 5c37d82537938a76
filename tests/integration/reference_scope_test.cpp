// The reference's test of scope.krl (setting() variables across `or`/`and`/`within`,
// prelude, global and function scope), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference scope.krl: variable scope", "[reference]") {
  TestEngine e({"scope.krl"}, manual_clock());
  const std::string rid = "io.picolabs.scope";
  const json none = json::array();

  // steps 1-4: setting() variables of `or`: the branch that did not match
  // leaves its variable undefined, and JSON drops an undefined option (the
  // reference over HTTP answers {"name0": "000"}, no name1 at all)
  CHECK(e.signal("scope", "eventOr0", {{"name", "000"}}) ==
        json::array({dir("eventOr", {{"name0", "000"}})}));
  CHECK(e.signal("scope", "eventOr1", {{"name", "111"}}) ==
        json::array({dir("eventOr", {{"name1", "111"}})}));
  CHECK(e.signal("scope", "eventOr0", json::object()) ==
        json::array({dir("eventOr", {{"name0", ""}})}));
  CHECK(e.signal("scope", "eventOr1", {{"name", "?"}}) ==
        json::array({dir("eventOr", {{"name1", "?"}})}));

  // steps 5-6: setting() variables last until the rule fires
  CHECK(e.signal("scope", "eventAnd0", {{"name", "000"}}) == none);
  CHECK(e.signal("scope", "eventAnd1", {{"name", "111"}}) ==
        json::array({dir("eventAnd", {{"name0", "000"}, {"name1", "111"}})}));

  // steps 7-13: ... or until `within 1 second` runs out. The reference gives
  // each event a time (useEventInputTime); here the engine's clock is driven
  // (spime serve --manual-clock) and set to each step's time first.
  // steps 7-8: 7 ms apart: within
  set_clock(e.server, 10000000000000);
  CHECK(e.signal("scope", "eventWithin1", {{"name", "111"}}) == none);
  set_clock(e.server, 10000000000007);
  CHECK(e.signal("scope", "eventWithin2", {{"name", "222"}}) ==
        json::array({dir("eventWithin", {{"name1", "111"}, {"name2", "222"}})}));
  // steps 9-11: too much time passes (7 s) to remember 111: name1 is
  // undefined (absent, as in steps 1-4)
  set_clock(e.server, 10000000000000);
  CHECK(e.signal("scope", "eventWithin1", {{"name", "111"}}) == none);
  set_clock(e.server, 10000000007000);
  CHECK(e.signal("scope", "eventWithin0", json::object()) == none);
  set_clock(e.server, 10000000007007);
  CHECK(e.signal("scope", "eventWithin2", {{"name", "222"}}) ==
        json::array({dir("eventWithin", {{"name2", "222"}})}));
  // steps 12-13: name2 undefined this time
  set_clock(e.server, 10000000007008);
  CHECK(e.signal("scope", "eventWithin1", {{"name", "aaa"}}) == none);
  set_clock(e.server, 10000000007009);
  CHECK(e.signal("scope", "eventWithin3", json::object()) ==
        json::array({dir("eventWithin", {{"name1", "aaa"}})}));

  // steps 14-15: the prelude's scope, kept in entity variables
  CHECK(e.signal("scope", "prelude", {{"name", "Bill"}}) ==
        json::array({dir(
            "say",
            {{"name", "Bill"}, {"p0", "prelude 0"}, {"p1", "prelude 1"}, {"g0", "global 0"}})}));
  CHECK(e.query(rid, "getVals") ==
        json::parse(R"({"name": "Bill", "p0": "prelude 0", "p1": "prelude 1"})"));
  // steps 16-18: globals and functions as queries
  CHECK(e.query(rid, "g0") == "global 0");
  CHECK(e.query(rid, "add", {{"a", 10}, {"b", 2}}) == 12);
  CHECK(e.query(rid, "sum", {{"arr", {1, 2, 3, 4, 5}}}) == 15);
  // step 19: closures, and a prelude variable shadowing a global
  CHECK(e.signal("scope", "functions") ==
        json::array({dir("say", {{"add_one_two", 3}, {"inc5_3", 8}, {"g0", "overrided g0!"}})}));
  // step 20: a global computed with a function over another global
  CHECK(e.query(rid, "mapped") == json::parse("[2, 3, 4]"));
  // step 21: `add = add(1, 2)` calls the global before shadowing it
  CHECK(e.signal("scope", "shadow") == json::array({dir("say", {{"add", 3}})}));
  // step 22: a recursive function in the prelude
  CHECK(e.signal("scope", "recur") == json::array({dir("say", {{"fact5", 120}})}));
}

// The reference's test of io.picolabs.test-error-messages.krl (the messages of refused
// queries), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference test-error-messages.krl: query error messages", "[reference]") {
  TestEngine e({"io.picolabs.test-error-messages.krl"});
  const std::string rid = "io.picolabs.test-error-messages";
  // steps 1-2: a query without an ECI (the reference calls pf.query with
  // none, then with eci null). Over HTTP the ECI is a path segment: a blank
  // one is what comes closest, and both engines answer the same message.
  CHECK(refused(e.server.get("/sky/cloud/%20/not-an-rid/hello")) == "Error: missing query.eci");
  CHECK(refused(e.server.post_json("/sky/cloud/%20/not-an-rid/hello", json::object())) ==
        "Error: missing query.eci");
  // step 3: an unknown ECI
  CHECK(refused(e.server.query("foo", "not-an-rid", "hello")) == "Error: ECI not found foo");
  // step 4: a ruleset the pico does not have
  CHECK(refused(e.query_raw("not-an-rid", "hello")) ==
        "Error: Pico doesn't have not-an-rid installed.");
  // step 5: a function the ruleset does not share
  CHECK(refused(e.query_raw(rid, "zzz", {{"obj", "Bob"}})) ==
        "Error: Ruleset io.picolabs.test-error-messages does not have query function \"zzz\"");
  // step 6: infinite recursion. The reference answers "RangeError: Maximum call
  // stack size exceeded"; spime's ruleset errors name the ruleset and line
  // before the message (README: 500 a ruleset error, naming rid, rule and
  // line), so the message is checked as contained.
  CHECK_THAT(refused(e.query_raw(rid, "infiniteRecursion")),
             Catch::Matchers::Contains("RangeError: Maximum call stack size exceeded"));
}

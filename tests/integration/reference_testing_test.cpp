// The reference's test of testing.krl (the __testing query), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference testing.krl: __testing", "[reference]") {
  // The reference's compiler gives every ruleset a __testing map in the root
  // scope ({"queries": [{name, args}] of its shared names, "events":
  // [{domain, name, attrs}] of its rules' events and the attributes they
  // read}), shares it as a query, and lets a global `__testing` shadow it;
  // testing.krl's own __testing reads the generated one's "events".
  TestEngine e({"testing.krl"});
  // step 1: the ruleset's __testing as a query
  CHECK(e.query("io.picolabs.testing", "__testing") == json::parse(R"({
          "queries": [{"name": "joke"}],
          "event": [{"domain": "say", "name": "hello", "attrs": ["name"]}]
        })"));
}

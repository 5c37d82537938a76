// The reference's test of last.krl and last2.krl (`last` in a postlude), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference last.krl: `last` stops the rest of its own ruleset only", "[reference]") {
  TestEngine e({"last.krl", "last2.krl"});
  // step 1: baz's unconditional `last` stops qux; last2's rule still runs
  CHECK(e.signal("last", "all") ==
        json::array({dir("foo"), dir("bar"), dir("baz"), dir("last2 foo")}));
  // step 2: stop after bar
  CHECK(e.signal("last", "all", {{"stop", "bar"}}) ==
        json::array({dir("foo"), dir("bar"), dir("last2 foo")}));
  // step 3: stop after foo
  CHECK(e.signal("last", "all", {{"stop", "foo"}}) == json::array({dir("foo"), dir("last2 foo")}));
}

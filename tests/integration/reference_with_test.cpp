// The reference's test of with.krl (named arguments), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference with.krl: named arguments", "[reference]") {
  TestEngine e({"with.krl"});
  const std::string rid = "io.picolabs.with";
  // step 1: a plain call with both arguments
  CHECK(e.query(rid, "add", {{"a", -2}, {"b", 5}}) == 3);
  // step 2: a positional argument then a named one
  CHECK(e.query(rid, "inc", {{"n", 4}}) == 5);
  // step 3: named arguments in the other order than the parameters
  CHECK(e.query(rid, "foo", {{"a", 3}}) == 9);
}

// The reference's test of guard-conditions.krl (`if` guards and `on final` in postludes),
// over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference guard-conditions.krl: postlude guards", "[reference]") {
  TestEngine e({"guard-conditions.krl"});
  const std::string rid = "io.picolabs.guard-conditions";
  // step 1: nothing stored yet
  CHECK(e.query(rid, "getB").is_null());
  // steps 2-3: the guard matches, b is stored
  CHECK(e.signal("foo", "a", {{"b", "foo"}}) == json::array({dir("foo", {{"b", "foo"}})}));
  CHECK(e.query(rid, "getB") == "foo");
  // steps 4-5: the guard fails, b is kept
  CHECK(e.signal("foo", "a", {{"b", "bar"}}) == json::array({dir("foo", {{"b", "bar"}})}));
  CHECK(e.query(rid, "getB") == "foo");
  // steps 6-7: the guard matches again
  CHECK(e.signal("foo", "a", {{"b", "foo bar"}}) == json::array({dir("foo", {{"b", "foo bar"}})}));
  CHECK(e.query(rid, "getB") == "foo bar");
  // steps 8-9: `on final` in a foreach runs once, after the last item
  CHECK(e.signal("bar", "a") == json::array({dir("bar", {{"x", 1}, {"b", "foo bar"}}),
                                             dir("bar", {{"x", 2}, {"b", "foo bar"}}),
                                             dir("bar", {{"x", 3}, {"b", "foo bar"}})}));
  CHECK(e.query(rid, "getB") == 3);
  // steps 10-11: `on final` without a foreach runs
  CHECK(e.signal("on_final_no_foreach", "a", {{"x", 42}}) ==
        json::array({dir("on_final_no_foreach", {{"x", 42}})}));
  CHECK(e.query(rid, "getB") == 42);
}

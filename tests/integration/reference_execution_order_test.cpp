// The reference's test of execution-order.krl and execution-order2.krl (rule order within
// and across rulesets, fired/finally), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference execution-order.krl: rules run in order, rulesets in install order",
          "[reference]") {
  TestEngine e({"execution-order.krl"});
  const std::string rid = "io.picolabs.execution-order";
  const std::string rid2 = "io.picolabs.execution-order2";
  // step 1: unset
  CHECK(e.query(rid, "getOrder").is_null());
  // steps 2-3: fired then finally, rule by rule (null.append gives [null, ...])
  CHECK(e.signal("execution_order", "all") == json::array({dir("first"), dir("second")}));
  CHECK(e.query(rid, "getOrder") ==
        json::parse(R"([null, "first-fired", "first-finally", "second-fired", "second-finally"])"));
  // steps 4-5: reset
  CHECK(e.signal("execution_order", "reset_order") == json::array({dir("reset_order")}));
  CHECK(e.query(rid, "getOrder") == json::array());
  // steps 6-8: an `or` rule before the single-event rule, as written
  CHECK(e.signal("execution_order", "foo") == json::array({dir("foo_or_bar"), dir("foo")}));
  CHECK(e.signal("execution_order", "bar") == json::array({dir("foo_or_bar"), dir("bar")}));
  CHECK(e.query(rid, "getOrder") == json::parse(R"(["foo_or_bar", "foo", "foo_or_bar", "bar"])"));
  // step 9: reset
  CHECK(e.signal("execution_order", "reset_order") == json::array({dir("reset_order")}));
  // step 10: a second ruleset, installed later, runs after the first
  e.install("execution-order2.krl");
  CHECK(e.signal("execution_order", "reset_order") ==
        json::array({dir("reset_order"), dir("2 - reset_order")}));
  CHECK(e.signal("execution_order", "bar") ==
        json::array({dir("foo_or_bar"), dir("bar"), dir("2 - foo_or_bar"), dir("2 - bar")}));
  // steps 11-12: each ruleset keeps its own ent:order
  CHECK(e.query(rid, "getOrder") == json::parse(R"(["foo_or_bar", "bar"])"));
  CHECK(e.query(rid2, "getOrder") == json::parse(R"(["2 - foo_or_bar", "2 - bar"])"));
}

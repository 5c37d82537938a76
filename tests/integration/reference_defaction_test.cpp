// The reference's test of defaction.krl (user-defined actions: defaults, setting(),
// choose, every, returns, scope), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference defaction.krl: user-defined actions", "[reference]") {
  TestEngine e({"defaction.krl"});
  const std::string rid = "io.picolabs.defaction";
  // step 1: a defaction with a local declaration
  CHECK(e.signal("defa", "foo") == json::array({dir("foo", {{"a", "bar"}, {"b", 5}})}));
  // step 2: named arguments over defaults
  CHECK(e.signal("defa", "bar") ==
        json::array({dir("bar", {{"a", "baz"}, {"b", "qux"}, {"c", "quux"}})}));
  // step 3: unset
  CHECK(e.query(rid, "getSettingVal").is_null());
  // steps 4-5: setting() binds what the defaction returns (here the directive)
  CHECK(e.signal("defa", "bar_setting") ==
        json::array({dir("bar", {{"a", "baz"}, {"b", "qux"}, {"c", "quux"}})}));
  json setting = e.query(rid, "getSettingVal");
  REQUIRE(setting.is_object());
  setting.erase("meta");  // as the reference test: everything but meta
  CHECK(setting == json::parse(R"({"type": "directive", "name": "bar",
                                   "options": {"a": "baz", "b": "qux", "c": "quux"}})"));
  // steps 6-8: choose inside a defaction
  CHECK(e.signal("defa", "chooser", {{"val", "asdf"}}) ==
        json::array({dir("foo", {{"a", "asdf"}, {"b", 5}})}));
  CHECK(e.signal("defa", "chooser", {{"val", "fdsa"}}) ==
        json::array({dir("bar", {{"a", "fdsa"}, {"b", "ok"}, {"c", "done"}})}));
  CHECK(e.signal("defa", "chooser") == json::array());
  // steps 9-10: if ... then every inside a defaction
  CHECK(e.signal("defa", "ifAnotB", {{"a", "true"}, {"b", "false"}}) ==
        json::array({dir("yes a"), dir("not b")}));
  CHECK(e.signal("defa", "ifAnotB", {{"a", "true"}, {"b", "true"}}) == json::array());
  // step 11: a function returning a directive-shaped map is just a map
  CHECK(e.query(rid, "add", {{"a", 1}, {"b", 2}}) ==
        json::parse(R"({"type": "directive", "name": "add", "options": {"resp": 3}})"));
  // steps 12-13: returns, and setting() from one action used by the next
  CHECK(e.signal("defa", "returns") == json::array({dir("wat:whereinthe", {{"b", 333}})}));
  CHECK(e.query(rid, "getSettingVal") ==
        json::parse(R"(["where", "in", "the", "wat:whereinthe 433"])"));
  // steps 14-15: defactions in the prelude shadow globals and send_directive
  CHECK(e.signal("defa", "scope") == json::array());
  CHECK(
      e.query(rid, "getSettingVal") ==
      json::parse(R"(["aint", "no", "echo", "did something!", "send wat? noop returned: null"])"));
  // step 16: an action cannot be queried (not shared)
  CHECK(refused(e.query_raw(rid, "echoAction")) ==
        "Error: Ruleset io.picolabs.defaction does not have query function \"echoAction\"");
}

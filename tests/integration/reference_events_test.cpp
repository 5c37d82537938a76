// The reference's test of events.krl (event attributes, setting(), where, actions,
// choose/sample, ctx:event, raise), over HTTP.
#include <regex>

#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference events.krl: event expressions, actions and raise", "[reference]") {
  TestEngine e({"events.krl"});
  const std::string rid = "io.picolabs.events";
  const json none = json::array();

  // steps 1-2: setting() from an attribute regexp, event:attr
  CHECK(e.signal("events", "bind", {{"name", "blah?!"}}) ==
        json::array({dir("bound", {{"name", "blah?!"}})}));
  CHECK(e.signal("events", "get", {{"thing", "asdf"}}) ==
        json::array({dir("get", {{"thing", "asdf"}})}));
  // steps 3-5: no action, noop(), an inactive rule
  CHECK(e.signal("events", "noop") == none);
  CHECK(e.signal("events", "noop2") == none);
  CHECK(e.signal("events", "ignored") == none);
  // steps 6-7: if <setting var> then
  CHECK(e.signal("events", "ifthen", {{"name", "something"}}) == json::array({dir("ifthen")}));
  CHECK(e.signal("events", "ifthen") == none);
  // steps 8-9: the postlude runs after the action saw the old value
  CHECK(e.signal("events", "on_fired", {{"name", "blah"}}) ==
        json::array({dir("on_fired", {{"previous_name", nullptr}})}));
  CHECK(e.signal("events", "on_fired") ==
        json::array({dir("on_fired", {{"previous_name", "blah"}})}));

  // steps 10-14: choose; a rule with choose fires even when nothing matches
  CHECK(e.signal("events", "on_choose", {{"thing", "one"}}) ==
        json::array({dir("on_choose - one")}));
  CHECK(e.query(rid, "getOnChooseFired") == true);
  CHECK(e.signal("events", "on_choose", {{"thing", "two"}}) ==
        json::array({dir("on_choose - two")}));
  CHECK(e.signal("events", "on_choose", {{"thing", "wat?"}}) == none);
  CHECK(e.query(rid, "getOnChooseFired") == true);
  // steps 15-20: if ... then choose
  CHECK(e.signal("events", "on_choose_if", {{"fire", "no"}, {"thing", "one"}}) == none);
  CHECK(e.query(rid, "getOnChooseFired") == false);
  CHECK(e.signal("events", "on_choose_if", {{"fire", "yes"}, {"thing", "one"}}) ==
        json::array({dir("on_choose_if - one")}));
  CHECK(e.query(rid, "getOnChooseFired") == true);
  CHECK(e.signal("events", "on_choose_if", {{"fire", "yes"}, {"thing", "wat?"}}) == none);
  CHECK(e.query(rid, "getOnChooseFired") == true);

  // steps 21-23: sample runs exactly one of its actions
  const std::regex sampled("^on_sample - (one|two|three)$");
  auto check_sampled = [&](const json& resp) {
    INFO(resp.dump());
    REQUIRE(resp.is_array());
    CHECK(resp.size() == 1);
    if (resp.size() == 1) {
      CHECK(std::regex_match(resp[0].value("name", std::string()), sampled));
    }
  };
  check_sampled(e.signal("events", "on_sample"));
  CHECK(e.signal("events", "on_sample_if") == none);
  check_sampled(e.signal("events", "on_sample_if", {{"fire", "yes"}}));

  // steps 24-25: select ... where
  CHECK(e.signal("events", "select_where", {{"something", "wat?"}}) ==
        json::array({dir("select_where")}));
  CHECK(e.signal("events", "select_where", {{"something", "ok wat?"}}) == none);
  // steps 26-29: where with .match on 0, null, false, "" (matched as strings)
  CHECK(e.signal("events", "where_match_0", {{"something", 0}}) ==
        json::array({dir("where_match_0")}));
  CHECK(e.signal("events", "where_match_null", {{"something", nullptr}}) ==
        json::array({dir("where_match_null")}));
  CHECK(e.signal("events", "where_match_false", {{"something", false}}) ==
        json::array({dir("where_match_false")}));
  CHECK(e.signal("events", "where_match_empty_str", {{"something", ""}}) ==
        json::array({dir("where_match_empty_str")}));
  // steps 30-31: where sees the setting() variables
  CHECK(e.signal("events", "where_after_setting", {{"a", "one"}}) ==
        json::array({dir("where_after_setting")}));
  CHECK(e.signal("events", "where_after_setting", {{"a", "two"}}) == none);
  // steps 32-34: setting() shadows a global; attributes shadow nothing
  CHECK(e.signal("events", "where_using_global", {{"a", "g one"}}) ==
        json::array({dir("where_using_global")}));
  CHECK(e.signal("events", "where_using_global",
                 {{"a", "g one"}, {"global1", "haha! if this works the rule will not select"}}) ==
        json::array({dir("where_using_global")}));
  CHECK(e.signal("events", "where_using_global",
                 {{"a", "g one"}, {"global0", "haha! if this works the rule will not select"}}) ==
        json::array({dir("where_using_global")}));
  // steps 35-38: attribute regexps on 0, null, false, ""
  CHECK(e.signal("events", "implicit_match_0", {{"something", 0}}) ==
        json::array({dir("implicit_match_0")}));
  CHECK(e.signal("events", "implicit_match_null", {{"something", nullptr}}) ==
        json::array({dir("implicit_match_null")}));
  CHECK(e.signal("events", "implicit_match_false", {{"something", false}}) ==
        json::array({dir("implicit_match_false")}));
  CHECK(e.signal("events", "implicit_match_empty_str", {{"something", ""}}) ==
        json::array({dir("implicit_match_empty_str")}));
  // steps 39-42: a rule without actions fires
  CHECK(e.signal("events", "no_action", {{"fired", "no"}}) == none);
  CHECK(e.query(rid, "getNoActionFired").is_null());
  CHECK(e.signal("events", "no_action", {{"fired", "yes"}}) == none);
  CHECK(e.query(rid, "getNoActionFired") == true);

  // steps 43-45: store_sent_name directly (over HTTP the stored attrs hold
  // _headers and __eid too, in both engines: compared without them)
  CHECK(e.signal("events", "store_sent_name", {{"name", "Bob"}}) == none);
  CHECK(without_http_attrs(e.query(rid, "getSentAttrs")) == json{{"name", "Bob"}});
  CHECK(e.query(rid, "getSentName") == "Bob");
  // steps 46-48: the ctx:event action sends store_sent_name to this pico; its
  // attrs go through JSON as the reference's (a regexp becomes {})
  CHECK(e.signal("events", "action_send", {{"name", "Jim"}}) == none);
  CHECK(e.query(rid, "getSentAttrs") == json::parse(R"({"name": "Jim", "empty": [], "r": {}})"));
  CHECK(e.query(rid, "getSentName") == "Jim");

  // step 49: raise without attributes
  CHECK(e.signal("events", "raise_basic") ==
        json::array({dir("event_attrs", {{"attrs", json::object()}})}));
  // steps 50-52: raise with attributes
  CHECK(e.signal("events", "raise_set_name", {{"name", "Raised"}}) == none);
  CHECK(e.query(rid, "getSentAttrs") == json{{"name", "Raised"}});
  CHECK(e.query(rid, "getSentName") == "Raised");
  // steps 53-55: the same, another rule
  CHECK(e.signal("events", "raise_set_name_attr", {{"name", "Raised-2"}}) == none);
  CHECK(e.query(rid, "getSentAttrs") == json{{"name", "Raised-2"}});
  CHECK(e.query(rid, "getSentName") == "Raised-2");
  // steps 56-58: raise ... for <rid>
  CHECK(e.signal("events", "raise_set_name_rid", {{"name", "Raised-3"}}) == none);
  CHECK(e.query(rid, "getSentAttrs") == json{{"name", "Raised-3"}});
  CHECK(e.query(rid, "getSentName") == "Raised-3");

  // steps 59-61: raise event <"domain:type">
  CHECK(e.signal("events", "raise_dynamic",
                 {{"domainType", "events:store_sent_name"}, {"name", "Mr. Dynamic"}}) == none);
  CHECK(e.query(rid, "getSentName") == "Mr. Dynamic");
  CHECK(e.signal("events", "raise_dynamic",
                 {{"domainType", "events:get"}, {"thing", "something?"}}) ==
        json::array({dir("get", {{"thing", "something?"}})}));

  // step 62: event:eid is the eid of the answer
  HttpResult r = e.signal_raw("events", "event_eid");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  REQUIRE(r.body.contains("eid"));
  CHECK(clean_directives(r.body) == json::array({dir("event_eid", {{"eid", r.body["eid"]}})}));
}

// The pico runtime core: registry, pico state, event schedules, queries,
// with a real RocksDB store in a temp dir.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/runtime/offline_engine.h"
#include "tests/runtime/runtime_fixture.h"

namespace fs = std::filesystem;
using namespace spime::runtime;
using namespace spime::runtime::testing;
using spime::krl::Map;
using spime::krl::Value;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Map json_map(const std::string& text) {
  Value v;
  std::string err;
  REQUIRE(spime::krl::parse_json(text, &v, &err));
  REQUIRE(v.is_map());
  return v.as_map();
}

std::string J(const Value& v) {
  return spime::krl::encode_json(v);
}

}  // namespace

TEST_CASE("ent vars, directives and queries", "[runtime]") {
  Engine e;
  std::string rid = e.add("mem://a", R"(ruleset a {
    meta { shares count, bad }
    global { count = function() { ent:n.defaultsTo(0) } bad = function() { f = 3; f(1) } }
    rule inc { select when t inc
      send_directive("inc", {"n": ent:n.defaultsTo(0) + 1})
      always { ent:n := ent:n.defaultsTo(0) + 1 } }
  })");
  auto out = e.event("t", "inc");
  REQUIRE(out.ok);
  REQUIRE(out.directives.size() == 1);
  CHECK(
      J(out.directives[0]) ==
      R"({"type":"directive","name":"inc","options":{"n":1},"meta":{"rid":"a","rule_name":"inc","txnId":"eid1"}})");
  REQUIRE(e.event("t", "inc").ok);
  CHECK(J(e.query(rid, "count").value) == "2");
  CHECK(e.event("t", "other").directives.empty());

  // state survives a reload from the store
  e.reopen();
  CHECK(J(e.query(rid, "count").value) == "2");

  auto q = e.query(rid, "bad");
  CHECK(q.status == 500);
  CHECK(q.error.find("a at 3:") == 0);
  q = e.query("nope", "x");
  CHECK(q.status == 404);
  CHECK(q.error == "Pico doesn't have nope installed.");
  q = e.query(rid, "missing");
  CHECK(q.status == 404);
  CHECK(q.error == "Ruleset a does not have query function \"missing\"");
}

TEST_CASE("raise, foreach, fired/else, last", "[runtime]") {
  Engine e;
  e.add("mem://b", R"(ruleset b {
    rule start { select when t go
      foreach [1, 2, 3] setting(x)
      if x != 2 then send_directive("x", {"x": x})
      fired { raise t event "step" attributes {"x": x} } else { ent:skipped := x } }
    rule step1 { select when t step
      if event:attr("x") == 3 then send_directive("last")
      fired { last } }
    rule step2 { select when t step send_directive("step2", {"x": event:attr("x")}) }
  })");
  auto out = e.event("t", "go");
  REQUIRE(out.ok);
  std::vector<std::string> names;
  for (const auto& d : out.directives) names.push_back(d.as_map().find("name")->as_string());
  CHECK(names == std::vector<std::string>{"x", "x", "step2", "last"});
  CHECK(out.raised.size() == 2);
  REQUIRE(out.entvars.size() == 1);
  CHECK(J(out.entvars[0].second) == "2");
}

TEST_CASE("a rule error rolls the whole schedule back", "[runtime]") {
  Engine e;
  std::string rid = e.add("mem://c", R"(ruleset c {
    meta { shares v }
    global { v = function() { ent:v } }
    rule one { select when t go always { ent:v := 1; raise t event "boom" } }
    rule two { select when t boom always { ent:v := 2; f = 3; y = f(1) } }
    rule setfn { select when t fn always { ent:v := function() { 1 } } }
    rule loop { select when t loop always { raise t event "loop" } }
  })");
  auto out = e.event("t", "go");
  CHECK_FALSE(out.ok);
  CHECK(out.status == 500);
  INFO(out.error);
  CHECK(out.error.find("c rule two at ") == 0);
  CHECK(out.batch.empty());
  CHECK(e.query(rid, "v").value.is_null());
  std::string raw;
  CHECK_FALSE(e.store->get(spime::store::keys::entvar(e.root, "c", "v"), &raw));

  out = e.event("t", "fn");
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("cannot be stored") != std::string::npos);

  out = e.event("t", "loop");
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("event schedule exceeded 1000") != std::string::npos);
}

TEST_CASE("compile errors keep the old version", "[runtime]") {
  Engine e;
  e.add("mem://d", "ruleset d { meta { shares v } global { v = 1 } }");
  auto r = e.registry->register_source("mem://d", "ruleset d { global { v = } }");
  CHECK_FALSE(r.ruleset);
  CHECK(r.error.find("mem://d:1:") == 0);
  CHECK(J(e.query("d", "v").value) == "1");
}

TEST_CASE("ESProto router and device", "[runtime]") {
  Engine e;
  std::string src = SPIME_SOURCE_DIR;
  auto r1 = e.registry->register_source("file://" + src + "/rulesets/esproto_router.krl",
                                        slurp(src + "/rulesets/esproto_router.krl"));
  INFO(r1.error);
  REQUIRE(r1.ruleset);
  // The device reports to its collections through subscriptions (a module it uses).
  for (const char* name : {"io.picolabs.wrangler", "io.picolabs.subscription", "esproto_device"}) {
    std::string path = src + "/rulesets/" + name + ".krl";
    auto r = e.registry->register_source("file://" + path, slurp(path));
    INFO(r.error);
    REQUIRE(r.ruleset);
  }
  std::string err;
  REQUIRE(e.services->install(e.root, "esproto_router", {}, &err));
  for (const char* rid : {"io.picolabs.wrangler", "io.picolabs.subscription", "esproto_device"}) {
    INFO(err);
    REQUIRE(e.services->install(e.root, rid, {}, &err));
  }
  e.reload();

  REQUIRE(
      e.event("esproto", "new_threshold",
              json_map(R"({"threshold_type":"temperature","upper_limit":80,"lower_limit":"50"})"))
          .ok);
  CHECK(J(e.query("esproto_device", "thresholds").value) ==
        R"({"temperature":{"upper_limit":80,"lower_limit":50}})");

  auto shared = [](const std::string& f) {
    return json_map(slurp(std::string(SPIME_SHARED_DIR) + "/esproto/" + f));
  };
  // Raised events go to every installed ruleset (four here): count them as seen by the device.
  auto count = [](const Ran& o, const std::string& type) {
    int n = 0;
    for (const auto& r : o.raised) n += r.name == type && r.rid == "esproto_device";
    return n;
  };
  auto out = e.event("wovyn", "heartbeat", shared("temp-normal.json"));
  REQUIRE(out.ok);
  CHECK(count(out, "new_temperature_reading") == 1);
  CHECK(count(out, "threshold_violation") == 0);
  CHECK(count(out, "battery_level_low") == 0);
  auto last = e.query("esproto_router", "lastTemperature");
  REQUIRE(last.ok);
  CHECK(J(last.value.as_map()
                      .find("readings")
                      ->as_array()[0]
                      .as_map()
                      .find("temperatureF")
                      ->as_number() == 74.1
              ? Value(true)
              : Value(false)) == "true");

  out = e.event("wovyn", "heartbeat", shared("temp-hot.json"));
  REQUIRE(out.ok);
  CHECK(count(out, "threshold_violation") == 1);
  out = e.event("wovyn", "heartbeat", shared("temp-cold.json"));
  CHECK(count(out, "threshold_violation") == 1);
  out = e.event("wovyn", "heartbeat", shared("temp-low-battery.json"));
  CHECK(count(out, "battery_level_low") == 1);
  CHECK(count(out, "threshold_violation") == 0);

  // String numbers: "78.8" is under 80, "81.12" is over.
  out = e.event("wovyn", "heartbeat", shared("msa-string-numbers.json"));
  REQUIRE(out.ok);
  CHECK(count(out, "threshold_violation") == 1);
  bool saw = false;
  for (const auto& r : out.raised) {
    if (r.name == "threshold_violation") {
      CHECK(J(*r.attrs.as_map().find("value")) == "81.12");
      saw = true;
    }
  }
  CHECK(saw);

  // No collection subscriptions: nothing goes out (tests/integration/
  // esproto_collections_test.cpp has devices in collections) but the first
  // heartbeat's arming of the silence check, to the pico's own channel.
  REQUIRE(out.outgoing.size() == 1);
  CHECK(out.outgoing[0].domain == "esproto");
  CHECK(out.outgoing[0].name == "silence_arm");
  CHECK(out.outgoing[0].host.empty());
}

TEST_CASE("select-when state persists — ctx channels commit with the schedule", "[runtime]") {
  Engine e;
  e.add("mem://s", R"(ruleset s {
    meta { shares chans }
    global { chans = function() { ctx:channels.map(function(c) { c{"tags"} }) } }
    rule both { select when t a before t b send_directive("both") }
    rule chan { select when t chan
      ctx:newChannel(tags = ["mine"]) setting(c)
      always { ent:last := c{"id"}; x = event:attr("fail") => (3)(1) | 0 } }
  })");
  CHECK(e.event("t", "a").directives.empty());
  e.reopen();
  auto out = e.event("t", "b");
  REQUIRE(out.directives.size() == 1);
  CHECK(e.event("t", "b").directives.empty());

  CHECK_FALSE(e.event("t", "chan", json_map(R"({"fail":true})")).ok);
  CHECK(J(e.query("s", "chans").value) == R"([["system","self"]])");
  REQUIRE(e.event("t", "chan").ok);
  CHECK(J(e.query("s", "chans").value) == R"([["system","self"],["mine"]])");
  e.reopen();
  CHECK(J(e.query("s", "chans").value) == R"([["system","self"],["mine"]])");
}

TEST_CASE("error error stops the schedule, raises system:error and keeps the writes", "[runtime]") {
  Engine e;
  std::string rid = e.add("mem://u", R"(ruleset u {
    meta { shares seen, errors, after }
    global { seen = function() { ent:seen.defaultsTo(0) } errors = function() { ent:errors }
             after = function() { ent:after } }
    rule count { select when t check
      always { ent:seen := ent:seen.defaultsTo(0) + 1 } }
    rule validate { select when t check
      if event:attr("bad") then noop()
      fired { error error <<bad input: #{event:attr("bad")}>> } }
    rule after { select when t check
      always { ent:after := ent:after.defaultsTo(0) + 1 } }
    rule on_error { select when system error
      always { ent:errors := event:attr("data") } }
  })");
  auto good = e.event("t", "check");
  REQUIRE(good.ok);
  CHECK(J(e.query(rid, "seen").value) == "1");

  // As the reference (test-rulesets/error.krl): the event succeeds, the rule
  // stops, later rules do not run, system:error runs, writes are kept.
  auto bad = e.event("t", "check", Map{{"bad", "x"}});
  REQUIRE(bad.ok);
  CHECK(bad.status == 200);
  CHECK(J(e.query(rid, "seen").value) == "2");
  CHECK(J(e.query(rid, "errors").value) == R"("bad input: x")");
  CHECK(J(e.query(rid, "after").value) == "1");  // only the good event got there
  REQUIRE(bad.raised.size() == 1);
  CHECK(bad.raised[0].domain == "system");
  CHECK(bad.raised[0].name == "error");
  e.reload();
  CHECK(J(e.query(rid, "seen").value) == "2");
}

TEST_CASE("the router stops at malformed heartbeats and records nothing but why", "[runtime]") {
  Engine e;
  std::string rid =
      e.add("file://router", slurp(std::string(SPIME_SOURCE_DIR) + "/rulesets/esproto_router.krl"));
  std::string dir = std::string(SPIME_SHARED_DIR) + "/esproto/bad/";
  struct Case {
    const char* file;
    const char* reason;
  };
  const Case cases[] = {
      {"data-not-a-map.json", "malformed heartbeat: genericThing.data is not a map"},
      {"missing-genericThing.json", "malformed heartbeat: the heartbeat has no genericThing map"},
      {"null-reading.json",
       "malformed heartbeat: a temperature reading has no numeric temperatureF"},
      {"readings-not-a-list.json",
       "malformed heartbeat: genericThing.data.temperature is not a list"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    auto out = e.event("wovyn", "heartbeat", json_map(slurp(dir + c.file)));
    CHECK(out.ok);
    CHECK(out.directives.empty());
    CHECK(J(e.query(rid, "lastProblem").value) == std::string("\"") + c.reason + "\"");
    CHECK(J(e.query(rid, "lastHeartbeat").value) == "null");
    for (const auto& r : out.raised) CHECK(r.domain + ":" + r.name == "system:error");
  }
  auto ok = e.event("wovyn", "heartbeat",
                    json_map(slurp(std::string(SPIME_SHARED_DIR) + "/esproto/temp-normal.json")));
  CHECK(ok.ok);
  CHECK(J(e.query(rid, "lastHeartbeat").value) != "null");
}

TEST_CASE("ctx:eventQuery runs an event on a committed child and reads it back", "[runtime]") {
  Engine e;
  auto child = e.registry->register_source("mem://c", R"(ruleset c {
    meta { shares n }
    global { n = function() { ent:n.defaultsTo(0) } }
    rule inc { select when c inc fired { ent:n := n() + 1 } }
  })");
  REQUIRE(child.ruleset);
  e.add("mem://p", R"(ruleset p {
    meta { shares got }
    global { got = function() { ent:got } }
    rule make { select when t make ctx:newPico(rulesets = [{"url": "mem://c"}]) }
    rule ask { select when t ask
      ctx:eventQuery(eci = ctx:children.head(), domain = "c", name = "inc",
                     rid = "c", queryName = "n") setting(v)
      fired { ent:got := v } }
    rule itself { select when t itself
      ctx:eventWait(eci = event:eci, domain = "t", name = "make") }
  })");
  REQUIRE(e.event("t", "make").ok);
  e.reload();
  REQUIRE(e.event("t", "ask").ok);
  REQUIRE(e.event("t", "ask").ok);
  e.reload();
  CHECK(J(e.query("p", "got").value) == "2");

  // An event for the calling pico itself would wait for itself: refused.
  Ran self = e.event("t", "itself");
  CHECK_FALSE(self.ok);
  CHECK_THAT(self.error, Catch::Contains("calling pico"));
  e.reload();
  CHECK(e.pico->children_in_order().size() == 1);
}

TEST_CASE("schedule repeat: the timespec is checked and stored as the text it was parsed as",
          "[runtime]") {
  Engine e;
  e.add("mem://r", R"(ruleset r {
    meta { shares list }
    global { list = function() { schedule:list().map(function(s) { s{"timespec"} }) } }
    rule every { select when t every
      always { schedule t event "tick" repeat event:attr("spec") } }
  })");
  // A number is a cron field too ("5": every minute of Fridays); kept as text.
  REQUIRE(e.event("t", "every", json_map(R"({"spec": 5})")).ok);
  Ran bad = e.event("t", "every", json_map(R"({"spec": "every second"})"));
  CHECK_FALSE(bad.ok);
  CHECK_THAT(bad.error, Catch::Contains("bad cron timespec"));
  e.reload();
  CHECK(J(e.query("r", "list").value) == R"(["5"])");
}

TEST_CASE("ctx:channelsTagged finds channels by their tags as they change", "[runtime]") {
  Engine e;
  e.add("mem://tags", R"(ruleset tags {
    meta { shares tagged, seen }
    global {
      tagged = function(t) { ctx:channelsTagged(t.split(",")).map(function(c) { c{"id"} }) }
      seen = function() { ent:seen }
    }
    rule make { select when t make
      ctx:newChannel(["a", "b"]) setting(c) always { ent:c := c{"id"} } }
    rule retag { select when t retag
      ctx:putChannel(ent:c, ["c"], {"allow": [{"domain": "*", "name": "*"}], "deny": []},
                     {"allow": [{"rid": "*", "name": "*"}], "deny": []}) }
    rule drop { select when t drop ctx:delChannel(ent:c) }
    rule make_and_find { select when t make_and_find
      ctx:newChannel(["x"]) setting(c)
      always { ent:seen := ctx:channelsTagged(["x"]).length() } }
  })");
  auto ids = [&](const char* tags) { return J(e.query("tags", "tagged", {{"t", tags}}).value); };
  REQUIRE(e.event("t", "make").ok);
  const std::string one = ids("b,a");
  CHECK(one.size() > 4);
  CHECK(ids("a") == "[]");
  e.reopen();
  CHECK(ids("a,b") == one);
  REQUIRE(e.event("t", "retag").ok);
  CHECK(ids("a,b") == "[]");
  CHECK(ids("c") == one);
  REQUIRE(e.event("t", "drop").ok);
  CHECK(ids("c") == "[]");
  // A channel made earlier in the same event is found too.
  REQUIRE(e.event("t", "make_and_find").ok);
  CHECK(J(e.query("tags", "seen").value) == "1");
  CHECK(ids("x").size() > 4);
}

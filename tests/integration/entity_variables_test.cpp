// A pico's entity variables as the dashboard reads them: the engine UI
// ruleset's `entvars` query (ctx:entityVariables, records/entity_listing.h)
// on a real `spime serve`. Variables set through events read back grouped by
// ruleset, whole or cut with a marker; the same after a restart (then from
// the store alone); a pico with none; and who may ask.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kRid = "entvars.test";

const char* kRuleset = R"krl(ruleset entvars.test {
  meta { shares childVars, direct }
  global {
    childVars = function() {
      ctx:query(ent:child, "io.picolabs.pico-engine-ui", "entvars")
    }
    direct = function() { ctx:entityVariables() }
  }
  rule set {
    select when entvars set
    pre { n = event:attrs{"members"} }
    always {
      ent:count := event:attrs{"count"};
      ent:profile := {"name": event:attrs{"name"}, "tags": ["a", "b"]};
      ent:big := event:attrs{"big"};
      // n entries inserted from "m<n>" down to "m1": insertion order is not key order.
      ent:members := n => n.range(1).reduce(function(m, i) { m.put("m" + i, {"n": i}) }, {})
                        | null
    }
  }
  rule bare_child {
    select when entvars bare_child
    every {
      ctx:newPico(rulesets = [{"url": event:attrs{"ui_url"}}]) setting(eci)
    }
    always { ent:child := eci }
  }
})krl";

// The variables of `rid` in an `entvars` answer, by name.
json vars_of(const json& answer, const std::string& rid) {
  json out = json::object();
  for (const auto& r : answer.at("rulesets")) {
    if (r.at("rid") != rid) continue;
    for (const auto& v : r.at("variables")) out[v.at("name").get<std::string>()] = v;
  }
  return out;
}

// What the ruleset's `members` holds after entvars:set {"members": n} (any order).
json members(int n) {
  json m = json::object();
  for (int i = n; i > 0; --i) m["m" + std::to_string(i)] = {{"n", i}};
  return m;
}

// What holds whether the values come from the pico's memory or the store.
// `text` is the answer as sent (json sorts a map's keys; the text keeps their order).
void check_listing(const std::string& text, bool from_store) {
  INFO(text.substr(0, 300));
  json all = json::parse(text);
  CHECK(all.at("more") == false);
  CHECK(all.at("maxVariables") == 256);
  CHECK(all.at("maxValueBytes") == 16384);
  // Grouped by ruleset, rids in order; the UI ruleset's own variables too.
  std::string last;
  for (const auto& r : all.at("rulesets")) {
    CHECK(r.at("rid").get<std::string>() > last);
    last = r.at("rid").get<std::string>();
  }
  json ui = vars_of(all, kEngineUi);
  CHECK(ui.contains("ui_eci"));
  json mine = vars_of(all, kRid);
  REQUIRE(mine.size() == 4);
  CHECK(mine["count"] == json{{"name", "count"}, {"value", 3}});
  CHECK(mine["profile"].at("value") == json{{"name", "ada"}, {"tags", {"a", "b"}}});
  // A map of 100 stored by key, whole, in insertion order.
  const json& m = mine["members"].at("value");
  CHECK(m == members(100));
  const auto first = text.find("\"m100\":");
  CHECK(first != std::string::npos);
  CHECK(first < text.find("\"m1\":"));
  // 20,000 characters: cut at 16 KiB with a marker.
  const json& big = mine["big"];
  CHECK(big.at("truncated") == true);
  CHECK_FALSE(big.contains("value"));
  const std::string cut = big.at("json").get<std::string>();
  CHECK(cut.size() == 16384);
  CHECK(cut.rfind("\"xxxx", 0) == 0);
  // Its whole length is known when it is read from its record.
  if (from_store) CHECK(big.at("bytes") == 20002);
}

}  // namespace

TEST_CASE("entity variables: set by events, read back through the UI's entvars",
          "[integration][engine_ui][entvars]") {
  TempDir krl;
  SpimeServer server;
  const std::string owner = server.owner_eci();
  install_ruleset(server, owner, file_url(krl.write("entvars.test.krl", kRuleset)), kRid);
  must_event(server, owner, "entvars", "set",
             {{"count", 3}, {"name", "ada"}, {"big", std::string(20000, 'x')}, {"members", 100}});

  HttpResult all = server.query(owner, kEngineUi, "entvars");
  REQUIRE(all.status == 200);
  check_listing(all.text, false);

  // Smaller bounds: two variables and more left out; a keyed map cut too.
  json few = must_query(server, owner, kEngineUi, "entvars",
                        {{"maxVariables", 2}, {"maxValueBytes", 200}});
  CHECK(few.at("more") == true);
  CHECK(few.at("maxVariables") == 2);
  size_t shown = 0;
  for (const auto& r : few.at("rulesets")) shown += r.at("variables").size();
  CHECK(shown == 2);
  json cut = must_query(server, owner, kEngineUi, "entvars", {{"maxValueBytes", 200}});
  json members_cut = vars_of(cut, kRid).at("members");
  CHECK(members_cut.at("truncated") == true);
  CHECK(members_cut.at("json").get<std::string>().size() == 200);
  CHECK(members_cut.at("json").get<std::string>().rfind("{\"m", 0) == 0);
  CHECK(vars_of(cut, kRid).at("count").at("value") == 3);

  // Changed and erased by a later event: the next query sees it.
  must_event(server, owner, "entvars", "set", {{"count", 4}, {"name", "bo"}});
  json after = vars_of(must_query(server, owner, kEngineUi, "entvars"), kRid);
  CHECK(after.at("count").at("value") == 4);
  CHECK_FALSE(after.contains("big"));
  CHECK_FALSE(after.contains("members"));

  // After a restart everything comes from the store.
  must_event(server, owner, "entvars", "set",
             {{"count", 3}, {"name", "ada"}, {"big", std::string(20000, 'x')}, {"members", 100}});
  server.restart();
  all = server.query(owner, kEngineUi, "entvars");
  REQUIRE(all.status == 200);
  check_listing(all.text, true);
}

TEST_CASE("entity variables: a pico with none", "[integration][engine_ui][entvars]") {
  TempDir krl;
  SpimeServer server;
  const std::string owner = server.owner_eci();
  install_ruleset(server, owner, file_url(krl.write("entvars.test.krl", kRuleset)), kRid);
  // A child with the UI ruleset alone and no event yet: nothing stored.
  must_event(server, owner, "entvars", "bare_child",
             {{"ui_url", shipped_ruleset_url("io.picolabs.pico-engine-ui")}});
  json none = must_query(server, owner, kRid, "childVars");
  CHECK(none == json{{"rulesets", json::array()},
                     {"more", false},
                     {"maxVariables", 256},
                     {"maxValueBytes", 16384}});
  server.restart();
  CHECK(must_query(server, owner, kRid, "childVars") == none);
}

TEST_CASE("entity variables: the owner's alone", "[integration][engine_ui][entvars][policy]") {
  TempDir krl;
  SpimeServer server;
  const std::string owner = server.owner_eci();
  install_ruleset(server, owner, file_url(krl.write("entvars.test.krl", kRuleset)), kRid);
  std::string ui = must_query(server, owner, kEngineUi, "uiECI").get<std::string>();

  // The UI channel keeps the reference's query list: refused as any query it does not list.
  HttpResult on_ui = server.query(ui, kEngineUi, "entvars");
  CHECK(on_ui.status == 403);
  CHECK(on_ui.status == server.query(ui, kWrangler, "children").status);
  CHECK(on_ui.body.contains("error"));

  // A channel that allows other queries only; one that allows every query (the dashboard's).
  std::string narrow = new_channel_via_ui(
      server, ui, "narrow", allow_all_events(),
      {{"allow", {{{"rid", kEngineUi}, {"name", "box"}}}}, {"deny", json::array()}});
  CHECK(server.query(narrow, kEngineUi, "entvars").status == 403);
  CHECK(server.query(narrow, kEngineUi, "box").status == 200);
  std::string wide =
      new_channel_via_ui(server, ui, "spime-dashboard", allow_all_events(), allow_all_queries());
  CHECK(vars_of(must_query(server, wide, kEngineUi, "entvars"), kEngineUi).contains("ui_eci"));

  // No other ruleset reads them: the function is the UI ruleset's.
  HttpResult direct = server.query(owner, kRid, "direct");
  CHECK(direct.status != 200);
  CHECK(direct.text.find("io.picolabs.pico-engine-ui only") != std::string::npos);
}

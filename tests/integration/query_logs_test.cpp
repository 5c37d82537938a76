// Queries in the per-pico episode logs on a real `spime serve`: a query
// leaves an episode in the reference's shape (txnQueued with the query, its
// klog lines, txnDone or txnError), which the engine UI's `logs` shows; the
// UI's own queries are not kept and `hideUi` hides the rest of the UI's and
// the dashboard's traffic; the no-logs tag, the pico's switch and
// `--pico-logs off` leave no query episode. A query's episode is written by
// a batch nobody waits for: it is in the store once an event sent after the
// query's answer is answered (commits are in order), which is what these
// tests do before they read `logs`.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "channels/client/event_stream.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration {
namespace {

const char* kKrl = R"krl(
ruleset it.queried {
  meta { shares greeting, broken, total }
  global {
    greeting = function(name) {
      n = name.klog("greeting for");
      "hello " + n
    }
    broken = function() { null() }
    total = function() { ent:total.defaultsTo(0) }
  }
  rule bump {
    select when test bump
    always { ent:total := total() + 1 }
  }
}
)krl";

ChildPico queried_pico(const SpimeServer& s, TempDir& krl) {
  ChildPico p = new_child_pico(s, s.owner_eci(), "queried");
  install_ruleset(s, p.eci, file_url(krl.write("queried.krl", kKrl)), "it.queried");
  return p;
}

// The episodes `logs` answers (with `args`), after an event on the pico has made every
// earlier query's episode durable.
json logs_now(const SpimeServer& s, const ChildPico& p, json args = json::object()) {
  must_event(s, p.eci, "test", "bump", json::object());
  json l = must_query(s, p.eci, kEngineUi, "logs", args);
  REQUIRE(l.is_array());
  return l;
}

// The groups of `l` whose header starts with `prefix`.
json headed(const json& l, const std::string& prefix) {
  json out = json::array();
  for (const auto& g : l) {
    if (g.at("header").get<std::string>().rfind(prefix, 0) == 0) out.push_back(g);
  }
  return out;
}

bool has_entry(const json& episode, const std::string& needle) {
  for (const auto& line : episode.at("entries")) {
    if (line.get<std::string>().find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("query logs: a query's episode in the reference's shape", "[integration][pico_logs]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = queried_pico(s, krl);
  CHECK(must_query(s, p.eci, "it.queried", "greeting", {{"name", "ann"}}) == "hello ann");
  HttpResult failed = s.query(p.eci, "it.queried", "broken");
  CHECK(failed.status != 200);

  json l = logs_now(s, p);
  const std::string greeting = "QUERY " + p.eci + " it.queried/greeting {\"name\":\"ann\"}";
  json g = headed(l, greeting);
  REQUIRE(g.size() == 1);
  const json& q = g[0];
  CHECK(q.at("txnId").get<std::string>().size() == 24);
  CHECK(q.at("time").get<std::string>().size() == 24);  // ISO 8601
  const auto& entries = q.at("entries");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].get<std::string>().find("[DEBUG] txnQueued " + greeting) != std::string::npos);
  CHECK(entries[1].get<std::string>().find("[KLOG] greeting for \"ann\"") != std::string::npos);
  CHECK(entries[2].get<std::string>().find("[DEBUG] txnDone") != std::string::npos);

  json b = headed(l, "QUERY " + p.eci + " it.queried/broken {}");
  REQUIRE(b.size() == 1);
  CHECK(has_entry(b[0], "[ERROR] txnError"));
  CHECK_FALSE(has_entry(b[0], "txnDone"));

  // In the order they happened, newest first: the event after the queries, then them.
  REQUIRE(l.size() >= 3);
  CHECK(l[0].at("header").get<std::string>().rfind("EVENT " + p.eci + " test:bump", 0) == 0);
  CHECK(l[1].at("txnId") == b[0].at("txnId"));
  CHECK(l[2].at("txnId") == q.at("txnId"));
  // Filters: by transaction and by "rid/name".
  json one = logs_now(s, p, {{"eid", q.at("txnId")}});
  REQUIRE(one.size() == 1);
  CHECK(logs_now(s, p, {{"type", "it.queried/greeting"}}).size() == 1);
}

TEST_CASE("query logs: the UI's own queries are not kept, hideUi hides the dashboard's",
          "[integration][pico_logs]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = queried_pico(s, krl);
  // The engine UI ruleset's queries (box, pico, logs...) never make an episode.
  must_query(s, p.ui_eci, kEngineUi, "box");
  must_query(s, p.ui_eci, kEngineUi, "pico");
  // A query on the UI channel to another ruleset (as the reference UI's
  // subscriptions tab), and one on the dashboard's own channel.
  must_query(s, p.ui_eci, "io.picolabs.subscription", "inbound");
  // Left out always, as the reference's logs does.
  must_query(s, p.eci, "io.picolabs.subscription", "established");
  std::string dash =
      new_channel(s, p.eci, "spime-dashboard", allow_all_events(), allow_all_queries());
  must_query(s, dash, "it.queried", "total");
  must_query(s, p.eci, "it.queried", "total");

  json all = logs_now(s, p);
  CHECK(headed(all, "QUERY " + p.ui_eci + " " + kEngineUi).empty());
  CHECK(headed(all, "QUERY " + p.eci + " " + kEngineUi).empty());
  CHECK(headed(all, "QUERY " + p.ui_eci + " io.picolabs.subscription/inbound").size() == 1);
  CHECK(headed(all, "QUERY " + p.eci + " io.picolabs.subscription/established").empty());
  CHECK(headed(all, "QUERY " + dash + " it.queried/total").size() == 1);
  CHECK(headed(all, "QUERY " + p.eci + " it.queried/total").size() == 1);

  json hidden = logs_now(s, p, {{"hideUi", true}});
  CHECK(headed(hidden, "QUERY " + p.ui_eci).empty());
  CHECK(headed(hidden, "QUERY " + dash).empty());
  CHECK(headed(hidden, "QUERY " + p.eci + " it.queried/total").size() == 1);
}

TEST_CASE("query logs: off for a channel, a pico, the engine", "[integration][pico_logs]") {
  TempDir krl;
  {
    SpimeServer s;
    ChildPico p = queried_pico(s, krl);
    std::string quiet = new_channel(s, p.eci, "no-logs", allow_all_events(), allow_all_queries());
    must_query(s, quiet, "it.queried", "greeting", {{"name", "quiet"}});
    CHECK(logs_now(s, p, {{"type", "it.queried/greeting"}}).empty());
    must_event(s, p.eci, "engine_ui", "pico_logs", {{"on", false}});
    must_query(s, p.eci, "it.queried", "greeting", {{"name", "off"}});
    CHECK(logs_now(s, p, {{"type", "it.queried/greeting"}}).empty());
    must_event(s, p.eci, "engine_ui", "pico_logs", {{"on", true}});
    must_query(s, p.eci, "it.queried", "greeting", {{"name", "on"}});
    json l = logs_now(s, p, {{"type", "it.queried/greeting"}});
    REQUIRE(l.size() == 1);
    CHECK(l[0].at("header").get<std::string>().find("\"on\"") != std::string::npos);
  }
  {
    ServerOptions o;
    o.extra_args = {"--pico-logs", "off"};
    SpimeServer s(o);
    ChildPico p = queried_pico(s, krl);
    must_query(s, p.eci, "it.queried", "greeting", {{"name", "x"}});
    CHECK(logs_now(s, p).empty());
  }
}

TEST_CASE("query logs: a logged query stays a read", "[integration][pico_logs]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = queried_pico(s, krl);
  must_event(s, p.eci, "test", "bump", json::object());
  // Each answer sees exactly the events answered before it, logged or not.
  for (int i = 1; i <= 5; ++i) {
    CHECK(must_query(s, p.eci, "it.queried", "total") == i);
    CHECK(must_query(s, p.eci, "it.queried", "total") == i);
    must_event(s, p.eci, "test", "bump", json::object());
  }
  CHECK(headed(logs_now(s, p, {{"type", "it.queried/total"}}), "QUERY").size() == 10);
}

TEST_CASE("query logs: streams carry events only and resume across query episodes",
          "[integration][pico_logs][streams]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = queried_pico(s, krl);
  client::Url url;
  std::string err;
  REQUIRE(client::parse_url(s.url(), &url, &err));
  const std::string target = "/c/" + p.eci + "/stream?domain=test";
  // Events with queries between them: the queries take episode numbers too.
  auto bump_and_query = [&](int n, std::vector<std::string>* eids) {
    for (int i = 0; i < n; ++i) {
      eids->push_back(must_event(s, p.eci, "test", "bump", json::object()).at("eid"));
      must_query(s, p.eci, "it.queried", "total");
    }
  };
  // Reads `n` events (at most 10 s), each with its id.
  auto read = [](client::EventStream& stream, size_t n, std::vector<std::string>* ids) {
    std::vector<std::string> eids;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (eids.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto e = stream.next(200ms);
      if (!e) continue;
      REQUIRE_FALSE(e->id.empty());
      ids->push_back(e->id);
      eids.push_back(json::parse(e->data).at("eid").get<std::string>());
    }
    return eids;
  };
  std::vector<std::string> sent, ids;
  {
    client::EventStream first(url);
    REQUIRE(first.open(target).empty());
    bump_and_query(3, &sent);
    CHECK(read(first, 3, &ids) == sent);
  }
  // Query episodes are gaps in the ids.
  REQUIRE(ids.size() == 3);
  CHECK(std::stoull(ids[1]) > std::stoull(ids[0]) + 1);
  std::vector<std::string> missed;
  bump_and_query(4, &missed);
  client::EventStream again(url);
  REQUIRE(again.open(target, ids.back()).empty());
  std::vector<std::string> resumed_ids;
  CHECK(read(again, 4, &resumed_ids) == missed);
  CHECK_FALSE(again.next(300ms).has_value());  // nothing else: no query, no repeat
}

}  // namespace spime::integration

// Per-pico episode logs on a real `spime serve`: the engine UI's `logs`
// answers the reference's shape from them, bounded by count, filterable by
// eid and type, off for a pico, a channel, or the whole engine.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration {
namespace {

const char* kKrl = R"krl(
ruleset it.episodes {
  rule greet {
    select when test greet
    pre {
      n = event:attr("n").klog("n is")
    }
    send_directive("hello", {"n": n})
  }
  rule quiet {
    select when test quiet
    if false then noop()
  }
}
)krl";

ChildPico logging_pico(const SpimeServer& s, TempDir& krl) {
  ChildPico p = new_child_pico(s, s.owner_eci(), "logger");
  install_ruleset(s, p.eci, file_url(krl.write("episodes.krl", kKrl)), "it.episodes");
  return p;
}

json logs(const SpimeServer& s, const std::string& eci, json args = json::object()) {
  json l = must_query(s, eci, kEngineUi, "logs", args);
  REQUIRE(l.is_array());
  return l;
}

bool has_entry(const json& episode, const std::string& needle) {
  for (const auto& line : episode.at("entries")) {
    if (line.get<std::string>().find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("pico logs: the UI's logs answer episodes in the reference's shape, newest first",
          "[integration][pico_logs]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = logging_pico(s, krl);
  json first = must_event(s, p.eci, "test", "greet", {{"n", 1}});
  json second = must_event(s, p.eci, "test", "quiet", json::object());

  json l = logs(s, p.eci);
  REQUIRE(l.size() >= 2);
  const json& newest = l[0];
  CHECK(newest.at("txnId") == second.at("eid"));
  // As the reference's header: the attributes without the request's _headers.
  CHECK(newest.at("header") == "EVENT " + p.eci + " test:quiet {}");
  CHECK(newest.at("time").get<std::string>().size() == 24);  // ISO 8601
  CHECK(has_entry(newest, "[DEBUG] rule selected it.episodes : quiet"));
  CHECK(has_entry(newest, "[DEBUG] not fired"));

  const json& greet = l[1];
  CHECK(greet.at("txnId") == first.at("eid"));
  const auto& entries = greet.at("entries");
  REQUIRE(entries.size() >= 5);
  // The first line of an episode is the event received, as the reference's txnQueued.
  CHECK(entries[0].get<std::string>().find("[DEBUG] txnQueued EVENT " + p.eci + " test:greet") !=
        std::string::npos);
  CHECK(has_entry(greet, "[DEBUG] event added to schedule"));
  CHECK(has_entry(greet, "[DEBUG] rule selected it.episodes : greet"));
  CHECK(has_entry(greet, "[KLOG] n is 1"));
  CHECK(has_entry(greet, "[DEBUG] fired"));
  CHECK(has_entry(greet, "[DEBUG] directive hello {\"n\":1}"));
  CHECK(has_entry(greet, "[DEBUG] txnDone"));

  // Filters: one transaction, one type.
  json one = logs(s, p.eci, {{"eid", first.at("eid")}});
  REQUIRE(one.size() == 1);
  CHECK(one[0].at("txnId") == first.at("eid"));
  json quiet = logs(s, p.eci, {{"type", "test:quiet"}});
  REQUIRE(quiet.size() == 1);
  CHECK(quiet[0].at("txnId") == second.at("eid"));
  CHECK(logs(s, p.eci, {{"type", "greet"}}).size() == 1);

  // The UI's own traffic: events on the UI channel are there, and can be hidden.
  must_event(s, p.ui_eci, "engine_ui", "box", {{"x", 5}});
  CHECK(logs(s, p.eci, {{"type", "engine_ui:box"}}).size() == 1);
  CHECK(logs(s, p.eci, {{"type", "engine_ui:box"}, {"hideUi", true}}).empty());
  CHECK(logs(s, p.eci, {{"type", "test:greet"}, {"hideUi", true}}).size() == 1);
}

TEST_CASE("pico logs: a failed event keeps its episode with the error",
          "[integration][pico_logs]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = logging_pico(s, krl);
  const char* failing = R"krl(
ruleset it.failing {
  rule boom {
    select when test boom
    pre { x = event:attr("f")() }
  }
}
)krl";
  install_ruleset(s, p.eci, file_url(krl.write("failing.krl", failing)), "it.failing");
  HttpResult r = s.event(p.eci, "test", "boom");
  CHECK(r.status != 200);
  json l = logs(s, p.eci, {{"type", "test:boom"}});
  REQUIRE(l.size() == 1);
  CHECK(has_entry(l[0], "[ERROR] txnError"));
}

TEST_CASE("pico logs: bounded by count, the newest kept", "[integration][pico_logs]") {
  TempDir krl;
  ServerOptions o;
  o.extra_args = {"--pico-log-max-count", "5"};
  SpimeServer s(o);
  ChildPico p = logging_pico(s, krl);
  std::vector<std::string> eids;
  for (int i = 0; i < 12; ++i) {
    eids.push_back(must_event(s, p.eci, "test", "greet", {{"n", i}}).at("eid"));
  }
  json l = logs(s, p.eci);
  REQUIRE(l.size() == 5);
  for (size_t i = 0; i < 5; ++i) CHECK(l[i].at("txnId") == eids[11 - i]);
}

TEST_CASE("pico logs: off for a pico, for a channel, for the engine", "[integration][pico_logs]") {
  TempDir krl;
  {
    SpimeServer s;
    ChildPico p = logging_pico(s, krl);
    // A channel tagged no-logs brings events in without episodes.
    std::string quiet = new_channel(s, p.eci, "no-logs", allow_all_events(), allow_all_queries());
    must_event(s, quiet, "test", "greet", {{"n", 1}});
    CHECK(logs(s, p.eci, {{"type", "test:greet"}}).empty());
    must_event(s, p.eci, "test", "greet", {{"n", 2}});
    CHECK(logs(s, p.eci, {{"type", "test:greet"}}).size() == 1);

    // The pico's own switch (through a channel that allows it: not the UI channel, whose
    // policy is the reference's).
    must_event(s, p.eci, "engine_ui", "pico_logs", {{"on", false}});
    must_event(s, p.eci, "test", "greet", {{"n", 3}});
    CHECK(logs(s, p.eci, {{"type", "test:greet"}}).size() == 1);
    must_event(s, p.eci, "engine_ui", "pico_logs", {{"on", true}});
    must_event(s, p.eci, "test", "greet", {{"n", 4}});
    CHECK(logs(s, p.eci, {{"type", "test:greet"}}).size() == 2);
  }
  {
    ServerOptions o;
    o.extra_args = {"--pico-logs", "off"};
    SpimeServer s(o);
    ChildPico p = logging_pico(s, krl);
    must_event(s, p.eci, "test", "greet", {{"n", 1}});
    CHECK(logs(s, p.eci).empty());
  }
}

TEST_CASE("pico logs: kept across a restart, numbered on", "[integration][pico_logs]") {
  TempDir krl;
  SpimeServer s;
  ChildPico p = logging_pico(s, krl);
  std::string before = must_event(s, p.eci, "test", "greet", {{"n", 1}}).at("eid");
  s.kill9();
  s.start();
  std::string after = must_event(s, p.eci, "test", "greet", {{"n", 2}}).at("eid");
  json l = logs(s, p.eci, {{"type", "test:greet"}});
  REQUIRE(l.size() == 2);
  CHECK(l[0].at("txnId") == after);
  CHECK(l[1].at("txnId") == before);
}

}  // namespace spime::integration

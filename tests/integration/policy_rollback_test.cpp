// Channel policies (made through wrangler:new_channel_request) and the
// atomicity of an event: a refused or failing event changes nothing.
#include <catch2/catch.hpp>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kProbe = R"krl(
ruleset it.probe {
  meta {
    shares hits, secret
  }
  global {
    hits = function() { ent:count.defaultsTo(0) }
    secret = function() { "s3cret" }
  }
  rule counter {
    select when test ping or test forbidden or other thing
    send_directive("counted")
    fired {
      ent:count := hits() + 1
    }
  }
}
)krl";

const char* kRollback = R"krl(
ruleset it.rollback {
  meta {
    shares x, z
  }
  global {
    x = function() { ent:x }
    z = function() { ent:z }
  }
  rule set {
    select when rb set
    fired {
      ent:x := event:attr("v")
    }
  }
  // rb:go writes x, makes a channel and raises rb:side, which writes z and
  // raises rb:boom, which fails: all of it must vanish.
  rule write_first {
    select when rb go
    ctx:newChannel(["rolledback"])
    fired {
      ent:x := "overwritten";
      raise rb event "side"
    }
  }
  rule side {
    select when rb side
    fired {
      ent:z := "side effect";
      raise rb event "boom"
    }
  }
  rule boom {
    select when rb boom
    pre {
      result = event:attr("not_a_function")(1)
    }
    send_directive("unreachable", {"result": result})
  }
}
)krl";

const json kAllowAll = {{"allow", json::array({{{"rid", "*"}, {"name", "*"}}})},
                        {"deny", json::array()}};

struct ProbePico {
  TempDir krl;
  SpimeServer server;
  std::string eci;  // the child's own (family) channel: every policy open
  ProbePico() {
    eci = new_child(server, server.owner_eci(), "probe");
    install_ruleset(server, eci, file_url(krl.write("it.probe.krl", kProbe)), "it.probe");
  }
  int count() { return must_query(server, eci, "it.probe", "hits").get<int>(); }
};

bool mentions(const HttpResult& r, const std::string& what) {
  return r.body.is_object() && r.body.contains("error") &&
         r.body["error"].get<std::string>().find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("event policy: deny wins, unlisted events are not allowed, refusals change nothing",
          "[integration]") {
  ProbePico p;
  json event_policy = {{"allow", json::array({{{"domain", "test"}, {"name", "*"}}})},
                       {"deny", json::array({{{"domain", "test"}, {"name", "forbidden"}}})}};
  std::string locked = new_channel(p.server, p.eci, "locked", event_policy, kAllowAll);

  HttpResult denied = p.server.event(locked, "test", "forbidden");
  CHECK(denied.status == 403);
  CHECK(mentions(denied, "Denied by channel policy"));
  HttpResult unlisted = p.server.event(locked, "other", "thing");
  CHECK(unlisted.status == 403);
  CHECK(mentions(unlisted, "Not allowed by channel policy"));
  // The other routes check the same policy.
  CHECK(p.server.post("/c/" + locked + "/event-wait/test/forbidden", "{}").status == 403);
  CHECK(p.server.post("/c/" + locked + "/event/test/forbidden", "{}").status == 403);
  CHECK(p.count() == 0);

  CHECK(directive_names(must_event(p.server, locked, "test", "ping")) ==
        std::vector<std::string>{"counted"});
  CHECK(p.count() == 1);
  // The policy is the channel's, not the pico's: the open channel still passes.
  must_event(p.server, p.eci, "test", "forbidden");
  CHECK(p.count() == 2);
}

TEST_CASE("query policy: allow list and deny rules per rid and function", "[integration]") {
  ProbePico p;
  json all_events = {{"allow", json::array({{{"domain", "*"}, {"name", "*"}}})},
                     {"deny", json::array()}};
  std::string only_count = new_channel(
      p.server, p.eci, "only-count", all_events,
      {{"allow", json::array({{{"rid", "it.probe"}, {"name", "hits"}}})}, {"deny", json::array()}});
  CHECK(p.server.query(only_count, "it.probe", "hits").status == 200);
  HttpResult secret = p.server.query(only_count, "it.probe", "secret");
  CHECK(secret.status == 403);
  CHECK(mentions(secret, "Not allowed by channel policy"));
  CHECK(p.server.query(only_count, kWrangler, "installedRIDs").status == 403);
  CHECK(p.server.get("/c/" + only_count + "/query/it.probe/secret").status == 403);

  std::string no_secret =
      new_channel(p.server, p.eci, "no-secret", all_events,
                  {{"allow", json::array({{{"rid", "*"}, {"name", "*"}}})},
                   {"deny", json::array({{{"rid", "it.probe"}, {"name", "secret"}}})}});
  HttpResult denied = p.server.query(no_secret, "it.probe", "secret");
  CHECK(denied.status == 403);
  CHECK(mentions(denied, "Denied by channel policy"));
  CHECK(p.server.query(no_secret, "it.probe", "hits").status == 200);
  CHECK(must_query(p.server, p.eci, "it.probe", "secret") == "s3cret");
}

TEST_CASE("a deleted channel stops working as soon as its deletion is acknowledged",
          "[integration]") {
  ProbePico p;
  json all_events = {{"allow", json::array({{{"domain", "*"}, {"name", "*"}}})},
                     {"deny", json::array()}};
  std::string doomed = new_channel(p.server, p.eci, "doomed", all_events, kAllowAll);
  // Used once for events and queries (the engine keeps channels in memory).
  must_event(p.server, doomed, "test", "ping");
  CHECK(p.server.query(doomed, "it.probe", "hits").status == 200);
  must_event(p.server, p.eci, "wrangler", "channel_deletion_request", {{"eci", doomed}});
  HttpResult gone = p.server.event(doomed, "test", "ping");
  CHECK(gone.status == 404);
  CHECK(mentions(gone, "ECI not found"));
  CHECK(p.server.query(doomed, "it.probe", "hits").status == 404);
  CHECK(p.count() == 1);
}

TEST_CASE("a malformed channel policy is refused and creates no channel", "[integration]") {
  ProbePico p;
  size_t before = must_query(p.server, p.eci, kWrangler, "channels").size();
  HttpResult r = p.server.event(p.eci, "wrangler", "new_channel_request",
                                {{"tags", json::array({"bad"})},
                                 {"eventPolicy", {{"allow", "everything"}}},
                                 {"queryPolicy", kAllowAll}});
  INFO(describe(r));
  CHECK(r.status == 500);
  CHECK(r.body.contains("error"));
  CHECK(must_query(p.server, p.eci, kWrangler, "channels").size() == before);
  CHECK(channels_tagged(p.server, p.eci, "bad").empty());
}

TEST_CASE("atomic rollback: an error anywhere in the schedule undoes every write",
          "[integration]") {
  TempDir krl;
  SpimeServer server;
  std::string eci = new_child(server, server.owner_eci(), "rollback");
  install_ruleset(server, eci, file_url(krl.write("it.rollback.krl", kRollback)), "it.rollback");
  must_event(server, eci, "rb", "set", {{"v", 1}});
  size_t channels_before = must_query(server, eci, kWrangler, "channels").size();

  HttpResult r = server.event(eci, "rb", "go");
  INFO(describe(r));
  CHECK(r.status == 500);
  REQUIRE(r.body.is_object());
  std::string error = r.body.value("error", "");
  CHECK(error.find("it.rollback") != std::string::npos);  // names the ruleset
  CHECK(error.find("boom") != std::string::npos);         // and the rule

  CHECK(must_query(server, eci, "it.rollback", "x") == 1);
  CHECK(must_query(server, eci, "it.rollback", "z").is_null());
  CHECK(must_query(server, eci, kWrangler, "channels").size() == channels_before);
  CHECK(channels_tagged(server, eci, "rolledback").empty());

  // Still nothing after a restart: the failed event never reached the store.
  server.restart();
  CHECK(must_query(server, eci, "it.rollback", "x") == 1);
  CHECK(must_query(server, eci, "it.rollback", "z").is_null());
  CHECK(channels_tagged(server, eci, "rolledback").empty());
}

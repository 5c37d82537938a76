// ctx:eventWait and ctx:eventQuery between two picos of one engine, over
// HTTP: the caller's rule runs an event on the callee, waits for it to
// commit, and (eventQuery) reads the callee's answer; refusals (the caller
// itself, a denying policy) fail the caller's rule and change nothing.
#include <catch2/catch.hpp>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kCallee = R"krl(
ruleset it.callee {
  meta {
    shares bumps
  }
  global {
    bumps = function() { ent:count.defaultsTo(0) }
  }
  rule bump {
    select when callee bump
    pre {
      n = bumps() + 1
    }
    send_directive("bumped", {"count": n})
    fired {
      ent:count := n
    }
  }
}
)krl";

const char* kCaller = R"krl(
ruleset it.caller {
  meta {
    shares last
  }
  global {
    last = function() { ent:last }
  }
  rule ask {
    select when caller ask
    pre {
      eci = event:attr("eci")
    }
    every {
      ctx:eventQuery(eci = eci, domain = "callee", name = "bump",
                     rid = "it.callee", queryName = "bumps") setting(counted)
      ctx:eventWait(eci = eci, domain = "callee", name = "bump") setting(waited)
      send_directive("asked", {"counted": counted, "waited": waited})
    }
    fired {
      ent:last := counted
    }
  }
}
)krl";

struct TwoPicos {
  TempDir krl;
  SpimeServer server;
  std::string caller, callee;
  TwoPicos() {
    caller = new_child(server, server.owner_eci(), "caller");
    callee = new_child(server, server.owner_eci(), "callee");
    install_ruleset(server, callee, file_url(krl.write("it.callee.krl", kCallee)), "it.callee");
    install_ruleset(server, caller, file_url(krl.write("it.caller.krl", kCaller)), "it.caller");
  }
  int callee_count() const { return must_query(server, callee, "it.callee", "bumps").get<int>(); }
};

}  // namespace

TEST_CASE("ctx:eventQuery and ctx:eventWait run an event on another pico and wait for it",
          "[integration]") {
  TwoPicos p;
  json answer = must_event(p.server, p.caller, "caller", "ask", {{"eci", p.callee}});
  REQUIRE(directive_names(answer) == std::vector<std::string>{"asked"});
  const json& options = answer.at("directives")[0].at("options");
  // eventQuery saw its own event's write; eventWait ran a second event and
  // answers its eid and directives.
  CHECK(options.at("counted") == 1);
  const json& waited = options.at("waited");
  CHECK(waited.at("eid").get<std::string>().size() > 0);
  REQUIRE(waited.at("directives").size() == 1);
  CHECK(waited.at("directives")[0].at("name") == "bumped");
  CHECK(waited.at("directives")[0].at("options").at("count") == 2);
  CHECK(p.callee_count() == 2);
  CHECK(must_query(p.server, p.caller, "it.caller", "last") == 1);

  // Both picos' writes were committed before the answer.
  p.server.kill9();
  p.server.start();
  CHECK(p.callee_count() == 2);
  CHECK(must_query(p.server, p.caller, "it.caller", "last") == 1);
}

TEST_CASE("ctx:eventQuery refused: the calling pico itself, or the callee's policy",
          "[integration]") {
  TwoPicos p;
  must_event(p.server, p.caller, "caller", "ask", {{"eci", p.callee}});
  REQUIRE(p.callee_count() == 2);

  // Waiting for itself would deadlock: the rule fails, nothing changes.
  HttpResult self = p.server.event(p.caller, "caller", "ask", {{"eci", p.caller}});
  CHECK(self.status == 500);
  CHECK_THAT(self.text, Catch::Contains("calling pico"));

  // A channel of the callee whose event policy denies callee:bump.
  std::string guarded = new_channel(
      p.server, p.callee, "guarded",
      {{"allow", json::array({{{"domain", "*"}, {"name", "*"}}})},
       {"deny", json::array({{{"domain", "callee"}, {"name", "bump"}}})}},
      {{"allow", json::array({{{"rid", "*"}, {"name", "*"}}})}, {"deny", json::array()}});
  HttpResult denied = p.server.event(p.caller, "caller", "ask", {{"eci", guarded}});
  CHECK(denied.status == 500);
  CHECK_THAT(denied.text, Catch::Contains("ctx:eventQuery"));
  CHECK_THAT(denied.text, Catch::Contains("Denied by channel policy"));

  // An unknown ECI.
  HttpResult unknown = p.server.event(p.caller, "caller", "ask", {{"eci", "nope"}});
  CHECK(unknown.status == 500);
  CHECK_THAT(unknown.text, Catch::Contains("ECI not found"));

  CHECK(p.callee_count() == 2);
  CHECK(must_query(p.server, p.caller, "it.caller", "last") == 1);
}

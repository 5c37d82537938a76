// Rule semantics seen from outside, through /sky/event directives and
// /sky/cloud queries: raise (order, `for` rid), foreach (+ `on final`),
// fired/else, `last`, choose. The rulesets are installed on a child pico via
// wrangler:install_ruleset_request with file:// urls, as a developer would.
#include <catch2/catch.hpp>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kSemantics = R"krl(
ruleset it.semantics {
  meta {
    shares log, final, branch, chose
  }
  global {
    log = function() { ent:log.defaultsTo([]) }
    final = function() { ent:final }
    branch = function() { ent:branch }
    chose = function() { ent:chose }
  }

  rule start {
    select when sem start
    send_directive("start")
    fired {
      raise sem event "second" attributes {"n": 1};
      raise sem event "targeted" for "it.other"
    }
  }
  rule after_start {
    select when sem start
    send_directive("after_start")
  }
  rule second {
    select when sem second
    send_directive("second", {"n": event:attr("n")})
  }
  rule targeted_here {
    select when sem targeted
    send_directive("semantics_targeted")
  }

  rule each {
    select when sem each
    foreach [1, 2, 3] setting(x)
    send_directive("each", {"x": x})
    fired {
      ent:log := log().append(x);
      ent:final := x on final
    }
  }

  rule branching {
    select when sem branch
    if event:attr("ok") == "yes" then send_directive("branch_action")
    fired {
      ent:branch := "fired"
    } else {
      ent:branch := "else"
    }
  }

  rule first_of_two {
    select when sem stop
    if event:attr("stop") == "yes" then send_directive("first")
    fired {
      last
    }
  }
  rule second_of_two {
    select when sem stop
    send_directive("second_of_two")
  }

  rule chooser {
    select when sem choose
    choose event:attr("c") {
      a => send_directive("chose_a")
      b => send_directive("chose_b")
    }
    fired {
      ent:chose := event:attr("c")
    }
  }
}
)krl";

const char* kOther = R"krl(
ruleset it.other {
  rule targeted {
    select when sem targeted
    send_directive("other_targeted")
  }
}
)krl";

using Names = std::vector<std::string>;

// A server with a child pico carrying it.semantics and it.other.
struct SemanticsPico {
  TempDir krl;
  SpimeServer server;
  std::string eci;
  SemanticsPico() {
    eci = new_child(server, server.owner_eci(), "semantics");
    install_ruleset(server, eci, file_url(krl.write("it.semantics.krl", kSemantics)),
                    "it.semantics");
    install_ruleset(server, eci, file_url(krl.write("it.other.krl", kOther)), "it.other");
  }
  json ask(const std::string& name) { return must_query(server, eci, "it.semantics", name); }
};

}  // namespace

TEST_CASE("raise: raised events run after the current event's rules, `for` targets one rid",
          "[integration]") {
  SemanticsPico p;
  json answer = must_event(p.server, p.eci, "sem", "start");
  // start raises sem:second (all rulesets) and sem:targeted (it.other only);
  // after_start still runs for the original event before either.
  CHECK(directive_names(answer) == Names{"start", "after_start", "second", "other_targeted"});
  CHECK(answer.at("directives")[2].at("options").at("n") == 1);
  // Every directive says which ruleset and rule sent it.
  CHECK(answer.at("directives")[3].at("meta").at("rid") == "it.other");
}

TEST_CASE("foreach: the action and postlude run per item, `on final` only on the last",
          "[integration]") {
  SemanticsPico p;
  json answer = must_event(p.server, p.eci, "sem", "each");
  CHECK(directive_names(answer) == Names{"each", "each", "each"});
  std::vector<int> xs;
  for (const auto& d : answer.at("directives")) xs.push_back(d.at("options").at("x").get<int>());
  CHECK(xs == std::vector<int>{1, 2, 3});
  CHECK(p.ask("log") == json::array({1, 2, 3}));
  CHECK(p.ask("final") == 3);
}

TEST_CASE("fired/else: the postlude branch follows the action's condition", "[integration]") {
  SemanticsPico p;
  json yes = must_event(p.server, p.eci, "sem", "branch", {{"ok", "yes"}});
  CHECK(directive_names(yes) == Names{"branch_action"});
  CHECK(p.ask("branch") == "fired");
  json no = must_event(p.server, p.eci, "sem", "branch", {{"ok", "no"}});
  CHECK(directive_names(no).empty());
  CHECK(p.ask("branch") == "else");
}

TEST_CASE("last: stops the ruleset's remaining rules for this event only when it runs",
          "[integration]") {
  SemanticsPico p;
  CHECK(directive_names(must_event(p.server, p.eci, "sem", "stop", {{"stop", "yes"}})) ==
        Names{"first"});
  CHECK(directive_names(must_event(p.server, p.eci, "sem", "stop", {{"stop", "no"}})) ==
        Names{"second_of_two"});
}

TEST_CASE("choose: runs the action labelled with the value, the rule fires even without a match",
          "[integration]") {
  SemanticsPico p;
  CHECK(directive_names(must_event(p.server, p.eci, "sem", "choose", {{"c", "a"}})) ==
        Names{"chose_a"});
  CHECK(p.ask("chose") == "a");
  CHECK(directive_names(must_event(p.server, p.eci, "sem", "choose", {{"c", "b"}})) ==
        Names{"chose_b"});
  // As the reference (krl-compiler ActionBlock: $fired is the block's
  // condition, true for a choose without `if`), no matching label still fires.
  CHECK(directive_names(must_event(p.server, p.eci, "sem", "choose", {{"c", "z"}})).empty());
  CHECK(p.ask("chose") == "z");
}

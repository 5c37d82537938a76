// Making a pico from a prototype is one transaction: its rulesets,
// channels, initialization events (in order) and birth subscriptions all
// happen, or nothing of the pico remains. A rule error in the third
// initialization event, or an `error error` there, fails the request with
// an error and leaves no key of the new pico.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/prototype_helpers.h"
#include "tests/integration/store_counts.h"

using namespace spime::integration;

namespace {

// Records the order of test:step events; test:boom is a rule error (calling
// a number); test:refuse is a KRL `error error`.
const char* kSteps = R"(ruleset test.proto_steps {
  meta { shares steps }
  global {
    steps = function() { ent:steps.defaultsTo([]) }
    boom = function() { f = 3; f(1) }
  }
  rule step { select when test step
    always { ent:steps := steps().append(event:attr("n")) } }
  rule boom { select when test boom
    pre { v = boom() }
    always { ent:never := v } }
  rule refuse { select when test refuse
    always { error error "refusing to set up" } }
})";

std::string prototype(const std::string& name, const std::string& third) {
  return "name: " + name + R"(
rulesets:
  - url: proto_steps.krl
channels:
  - name: side
    event_policy: {allow: [{domain: test, name: "*"}], deny: []}
    query_policy:
      allow: [{rid: test.proto_steps, name: "*"}, {rid: io.picolabs.wrangler, name: "*"}]
      deny: []
initialization:
  - {domain: test, type: step, attributes: {n: 1}}
  - {domain: test, type: step, attributes: {n: 2}}
  - {domain: test, type: )" +
         third + R"(, attributes: {n: 3}}
)";
}

struct StepsFolder {
  TempDir dir;
  StepsFolder() {
    dir.write("proto_steps.krl", kSteps);
    dir.write("steps-ok.yaml", prototype("steps-ok", "step"));
    dir.write("steps-boom.yaml", prototype("steps-boom", "boom"));
    dir.write("steps-refuse.yaml", prototype("steps-refuse", "refuse"));
  }
};

}  // namespace

TEST_CASE("prototypes: initialization events run in order, after channels and rulesets",
          "[integration][prototypes]") {
  StepsFolder folder;
  SpimeServer server(with_prototypes(folder.dir.path()));
  json made = new_child_from(server, server.owner_eci(), "ok", "steps-ok");
  const std::string side = channel_of(made, "side");
  CHECK(must_query(server, side, "test.proto_steps", "steps") == json::array({1, 2, 3}));
  json side_channels = channels_tagged(server, side, "side");
  REQUIRE(side_channels.size() == 1);
  CHECK(side_channels[0].at("id") == side);
  CHECK(contains(installed_rids(server, side), "test.proto_steps"));
  server.restart();
  CHECK(must_query(server, side, "test.proto_steps", "steps") == json::array({1, 2, 3}));
}

TEST_CASE("prototypes: a failing third initialization event leaves nothing",
          "[integration][prototypes]") {
  StepsFolder folder;
  SpimeServer server(with_prototypes(folder.dir.path()));
  const auto kids_before = child_ecis(server, server.owner_eci());
  server.stop();
  const auto keys_before = pico_key_counts(server);
  server.start();

  SECTION("a rule error") {
    HttpResult r = server.event(server.owner_eci(), "wrangler", "new_child_request",
                                {{"name", "doomed"}, {"prototype", "steps-boom"}});
    INFO(describe(r));
    CHECK(r.status == 500);
    REQUIRE(r.body.is_object());
    CHECK(r.body.at("error").get<std::string>().find("test.proto_steps rule boom") !=
          std::string::npos);
  }
  SECTION("error error") {
    HttpResult r = server.event(server.owner_eci(), "wrangler", "new_child_request",
                                {{"name", "doomed"}, {"prototype", "steps-refuse"}});
    INFO(describe(r));
    CHECK(r.status == 500);
    REQUIRE(r.body.is_object());
    CHECK(r.body.at("error").get<std::string>().find(
              "test:refuse ended in error: refusing to set up") != std::string::npos);
  }
  CHECK(child_ecis(server, server.owner_eci()) == kids_before);
  server.stop();
  CHECK(pico_key_counts(server) == keys_before);
}

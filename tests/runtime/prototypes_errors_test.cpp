// Prototype files the engine refuses: each kind of mistake gives exactly
// "file:line:col: message", the message naming the key, and nothing of the
// file is loaded.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/runtime/prototypes_test_util.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using spime::runtime::testing::PrototypeFixture;

TEST_CASE("prototypes: an unknown key is named where it stands", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("x.yaml", "name: x\nchanels: []\n") ==
        "x.yaml:2:1: unknown key \"chanels\" (expected name, description, extends, config, "
        "channels, rulesets, initialization, subscriptions, protocols, mqtt)");
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "channels:\n"
                      "  - name: a\n"
                      "    event_polcy: {allow: [], deny: []}\n") ==
        "x.yaml:4:5: channels[0]: unknown key \"event_polcy\" (expected name, tags, "
        "event_policy, query_policy, attrs_schema, rate_limit)");
  CHECK(f.check_error("x.yaml", "name: x\nname: y\n") ==
        "x.yaml:2:1: duplicate key \"name\" (also at line 1)");
}

TEST_CASE("prototypes: a value of the wrong type names its key", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("x.yaml", "name: x\nchannels: {a: 1}\n") ==
        "x.yaml:2:11: channels: expected a list, not a map");
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "channels:\n"
                      "  - name: a\n"
                      "    tags: esproto\n") ==
        "x.yaml:4:11: channels[0].tags: expected a list, not a string");
  CHECK(f.check_error("x.yaml", "name: 12\n") ==
        "x.yaml:1:7: name: expected a string, not a number");
  CHECK(f.check_error("x.yaml", "name: x\nconfig: [1]\n") ==
        "x.yaml:2:9: config: expected a map, not a list");
  CHECK(f.check_error("x.yaml", "name: x\nconfig:\n  limit: .inf\n") ==
        "x.yaml:3:10: config.limit: .inf is not a JSON number");
  CHECK(f.check_error("x.yaml", "- a\n") ==
        "x.yaml:1:1: a prototype is a map (name, channels, rulesets, ...), not a list");
}

TEST_CASE("prototypes: missing keys and duplicates", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("x.yaml", "channels: []\n") == "x.yaml:1:1: missing key \"name\"");
  CHECK(f.check_error("x.yaml", "name: x\nchannels:\n  - tags: [a]\n") ==
        "x.yaml:3:5: channels[0]: missing key \"name\"");
  CHECK(f.check_error("x.yaml", "name: x\ninitialization:\n  - {domain: a}\n") ==
        "x.yaml:3:5: initialization[0]: missing key \"type\"");
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "subscriptions:\n"
                      "  - {collection: hall, collection_role: collection}\n") ==
        "x.yaml:3:5: subscriptions[0]: missing key \"subscriber_role\"");
  CHECK(f.check_error("x.yaml", "name: x\nrulesets:\n  - {rid: t.router, url: a.krl}\n") ==
        "x.yaml:3:5: rulesets[0]: give either \"rid\" (a registered ruleset) or \"url\", not "
        "both");
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "channels:\n"
                      "  - name: a\n"
                      "  - name: a\n") ==
        "x.yaml:4:11: channels[1].name: duplicate channel \"a\" (also at line 3)");
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "rulesets:\n"
                      "  - rid: t.router\n"
                      "  - rid: t.router\n") ==
        "x.yaml:4:5: rulesets[1]: ruleset t.router is already listed (rulesets[0])");
}

TEST_CASE("prototypes: the name is the file's", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("y.yaml", "name: x\n") ==
        "y.yaml:1:7: name: \"x\" must be the file's name without .yaml, \"y\"");
  CHECK(f.check_error("a b.yaml", "name: a b\n") ==
        "a b.yaml:1:7: name: \"a b\" may hold only letters, digits, '.', '_' and '-' (not first "
        "'.')");
}

TEST_CASE("prototypes: YAML syntax errors have their place", "[prototypes]") {
  PrototypeFixture f;
  std::string e = f.check_error("x.yaml", "name: x\nchannels: [a\n");
  CHECK_THAT(e, StartsWith("x.yaml:"));
  CHECK_THAT(e, Contains(": YAML: "));
  CHECK(f.check_error("x.yaml", "name: x\n---\nname: y\n") ==
        "x.yaml:3:1: one prototype per file: a second YAML document begins here");
  CHECK(f.check_error("x.yaml", "") ==
        "x.yaml:1:1: empty: a prototype is a map (name, channels, rulesets, ...)");
}

TEST_CASE("prototypes: rulesets must be registered or compile", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("x.yaml", "name: x\nrulesets:\n  - rid: nope\n") ==
        "x.yaml:3:10: rulesets[0].rid: no ruleset \"nope\" is registered");
  f.dir.write("bad.krl", "ruleset t.bad { rule r { select when } }");
  std::string e = f.check_error("x.yaml", "name: x\nrulesets:\n  - url: bad.krl\n");
  CHECK_THAT(e, StartsWith("x.yaml:3:10: rulesets[0].url: file://" + f.dir.path() + "/bad.krl:"));
  f.dir.write("notes.txt", "hello");
  CHECK(f.check_error("x.yaml", "name: x\nrulesets:\n  - url: notes.txt\n") ==
        "x.yaml:3:10: rulesets[0].url: file://" + f.dir.path() + "/notes.txt: not a KRL ruleset");
  // A check registers nothing and fetches nothing.
  CHECK(f.check_error("x.yaml", "name: x\nrulesets:\n  - url: http://127.0.0.1:9/x.krl\n") ==
        "x.yaml:3:10: rulesets[0].url: http://127.0.0.1:9/x.krl is not registered (a check "
        "fetches nothing)");
  f.dir.write("good.krl", "ruleset t.good { rule r { select when t g } }");
  CHECK(f.check_error("x.yaml", "name: x\nrulesets:\n  - url: good.krl\n").empty());
  CHECK_FALSE(f.registry.get("t.good"));
}

TEST_CASE("prototypes: policies, tags and schemas as a channel takes them", "[prototypes]") {
  PrototypeFixture f;
  const std::string head = "name: x\nchannels:\n  - name: a\n";
  CHECK(f.check_error("x.yaml", head + "    event_policy: {allow: [{domain: a}], deny: []}\n") ==
        "x.yaml:4:19: channels[0].event_policy: EventPolicyRule expects {domain: string, name: "
        "string}");
  CHECK(f.check_error("x.yaml", head + "    query_policy: {allow: []}\n") ==
        "x.yaml:4:19: channels[0].query_policy: QueryPolicy expects {allow: QueryPolicyRule[], "
        "deny: QueryPolicyRule[]}");
  CHECK(f.check_error("x.yaml", head + "    tags: [esproto, \"#!\"]\n") ==
        "x.yaml:4:11: channels[0].tags: Channel tag cannot be a blank string.");
  CHECK(f.check_error("x.yaml", head + "    tags: [esproto, \" \"]\n") ==
        "x.yaml:4:21: channels[0].tags[1]: must not be empty");
  CHECK(f.check_error("x.yaml", "name: x\nchannels:\n  - name: Transducer\n") ==
        "x.yaml:3:11: channels[0].name: \"Transducer\" is not a channel tag (lower-case letters, "
        "digits, '-' and '_': \"transducer\")");
  CHECK(f.check_error("x.yaml", "name: x\nchannels:\n  - name: system\n") ==
        "x.yaml:3:11: channels[0].name: Cannot tag channel as \"system\".");
  CHECK_THAT(f.check_error("x.yaml", head + "    attrs_schema: {type: 12}\n"),
             StartsWith("x.yaml:4:19: channels[0].attrs_schema: "));
  CHECK(f.check_error("x.yaml", head + "    attrs_schema: {file: nope.json}\n") ==
        "x.yaml:4:19: channels[0].attrs_schema: cannot read " + f.dir.path() + "/nope.json");
  f.dir.write("bad.json", "{nope");
  CHECK_THAT(f.check_error("x.yaml", head + "    attrs_schema: {file: bad.json}\n"),
             StartsWith("x.yaml:4:19: channels[0].attrs_schema: " + f.dir.path() +
                        "/bad.json is not JSON: "));
  f.dir.write("ok.json", R"({"type": "object", "required": ["a"]})");
  CHECK(f.check_error("x.yaml", head + "    attrs_schema: {file: ok.json}\n").empty());
}

TEST_CASE("prototypes: extends names a prototype that loads, without cycles", "[prototypes]") {
  PrototypeFixture f;
  CHECK(f.check_error("x.yaml", "name: x\nextends: nope\n") ==
        "x.yaml:2:10: extends: unknown prototype \"nope\"");
  f.dir.write("a.yaml", "name: a\nextends: b\n");
  f.dir.write("b.yaml", "name: b\nextends: a\n");
  f.dir.write("c.yaml", "name: c\nextends: a\n");
  f.dir.write("d.yaml", "name: d\n");
  f.dir.write("s.yaml", "name: s\nextends: s\n");
  const std::string& dir = f.dir.path();
  CHECK(f.load() == std::vector<std::string>{
                        dir + "/a.yaml:2:10: extends: a cycle: a -> b -> a",
                        dir + "/b.yaml:2:10: extends: a cycle: b -> a -> b",
                        dir + "/c.yaml:2:10: extends: prototype \"a\" did not load",
                        dir + "/s.yaml:2:10: extends: a cycle: s -> s",
                    });
  CHECK(f.catalog.names() == std::vector<std::string>{"d"});
}

TEST_CASE("prototypes: a checked text's extends goes through the loaded ones", "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("p.yaml", "name: p\n");
  f.dir.write("q.yaml", "name: q\nextends: p\n");
  REQUIRE(f.load().empty());
  CHECK(f.check_error("p.yaml", "name: p\nextends: q\n") ==
        "p.yaml:2:10: extends: a cycle: p -> q -> p");
  CHECK(f.check_error("r.yaml", "name: r\nextends: q\n").empty());
  CHECK(f.catalog.names() == std::vector<std::string>{"p", "q"});  // a check loads nothing
}

TEST_CASE("prototypes: a bad file is left out whole, the others load", "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("good.yaml", "name: good\nrulesets:\n  - rid: t.router\n");
  f.dir.write("bad.yaml",
              "name: bad\n"
              "channels:\n"
              "  - name: fine\n"
              "rulesets:\n"
              "  - rid: t.device\n"
              "  - rid: missing\n");
  f.dir.write("ignored.yml", "this is not read");
  CHECK(f.load() ==
        std::vector<std::string>{f.dir.path() + "/bad.yaml:6:10: rulesets[1].rid: no ruleset "
                                                "\"missing\" is registered"});
  CHECK(f.catalog.names() == std::vector<std::string>{"good"});
  CHECK_FALSE(f.catalog.get("bad"));
  CHECK_FALSE(f.catalog.value("bad"));
}

// How a prototype merges over the one it extends, and how its values read:
// maps merge (the child winning), channels by name, rulesets by rid,
// subscriptions by collection, initialization events after the parent's.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/runtime/prototypes/prototype_value.h"
#include "tests/runtime/prototypes_test_util.h"

using namespace spime;
using spime::runtime::testing::PrototypeFixture;

namespace {

krl::Value json(const char* text) {
  krl::Value v;
  std::string err;
  INFO(err);
  REQUIRE(krl::parse_json(text, &v, &err));
  return v;
}

const char* kParent = R"(name: base
description: the base
config:
  a: 1
  nested: {x: 1, y: 2}
channels:
  - name: one
    tags: [t1]
    event_policy: {allow: [{domain: d, name: "*"}], deny: []}
  - name: two
rulesets:
  - rid: t.router
    config: {k: 1, a: 10}
initialization:
  - {domain: d, type: first}
subscriptions:
  - {collection: hall, collection_role: collection, subscriber_role: device}
)";

const char* kChild = R"(name: kid
extends: base
config:
  b: 2
  nested: {y: 3}
channels:
  - name: one
    tags: [t9]
  - name: three
    query_policy: {allow: [{rid: t.device, name: "*"}], deny: []}
rulesets:
  - rid: t.router
    config: {k2: 2}
  - rid: t.device
initialization:
  - {domain: d, type: second, attributes: {n: 2}}
subscriptions:
  - {collection: hall, collection_role: hub, subscriber_role: member}
  - {collection: attic, collection_role: collection, subscriber_role: device}
)";

}  // namespace

TEST_CASE("prototypes: extends merges maps, lists by key, events after the parent's",
          "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("base.yaml", kParent);
  f.dir.write("kid.yaml", kChild);
  REQUIRE(f.load().empty());
  auto kid = f.catalog.get("kid");
  REQUIRE(kid);
  CHECK(kid->extends == "base");
  CHECK(kid->ancestors == std::vector<std::string>{"base"});
  CHECK(kid->description == "the base");  // not given: the parent's
  CHECK(krl::equal(krl::Value(kid->config), json(R"({"a":1,"nested":{"x":1,"y":3},"b":2})")));

  REQUIRE(kid->channels.size() == 3);
  CHECK(kid->channels[0].name == "one");
  CHECK(kid->channels[0].tags == std::vector<std::string>{"t9"});  // the child's
  CHECK(krl::equal(kid->channels[0].event_policy,
                   json(R"({"allow":[{"domain":"d","name":"*"}],"deny":[]})")));  // the parent's
  CHECK(kid->channels[1].name == "two");
  CHECK(krl::equal(kid->channels[1].event_policy, json(R"({"allow":[],"deny":[]})")));
  CHECK(kid->channels[2].name == "three");
  CHECK(krl::equal(kid->channels[2].query_policy,
                   json(R"({"allow":[{"rid":"t.device","name":"*"}],"deny":[]})")));

  REQUIRE(kid->rulesets.size() == 2);
  CHECK(kid->rulesets[0].rid == "t.router");
  CHECK(kid->rulesets[0].url == "file:///virtual/t.router.krl");
  CHECK(krl::equal(krl::Value(kid->rulesets[0].config), json(R"({"k":1,"a":10,"k2":2})")));
  CHECK(krl::equal(krl::Value(effective_config(*kid, kid->rulesets[0])),
                   json(R"({"a":10,"nested":{"x":1,"y":3},"b":2,"k":1,"k2":2})")));
  CHECK(kid->rulesets[1].rid == "t.device");

  REQUIRE(kid->initialization.size() == 2);
  CHECK(kid->initialization[0].type == "first");
  CHECK(kid->initialization[1].type == "second");

  REQUIRE(kid->subscriptions.size() == 2);
  CHECK(kid->subscriptions[0].collection == "hall");
  CHECK(kid->subscriptions[0].collection_role == "hub");
  CHECK(kid->subscriptions[1].collection == "attic");

  // The parent is untouched.
  auto base = f.catalog.get("base");
  REQUIRE(base);
  CHECK(base->channels[0].tags == std::vector<std::string>{"t1"});
  CHECK(base->initialization.size() == 1);
}

TEST_CASE("prototypes: the resolved value has the YAML's keys", "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("base.yaml", kParent);
  f.dir.write("kid.yaml", kChild);
  REQUIRE(f.load().empty());
  auto v = f.catalog.value("kid");
  REQUIRE(v);
  CHECK(krl::encode_json(*v) == krl::encode_json(json(R"({
    "name": "kid", "description": "the base", "extends": "base",
    "config": {"a": 1, "nested": {"x": 1, "y": 3}, "b": 2},
    "channels": [
      {"name": "one", "tags": ["t9", "one"],
       "event_policy": {"allow": [{"domain": "d", "name": "*"}], "deny": []},
       "query_policy": {"allow": [], "deny": []}},
      {"name": "two", "tags": ["two"],
       "event_policy": {"allow": [], "deny": []}, "query_policy": {"allow": [], "deny": []}},
      {"name": "three", "tags": ["three"], "event_policy": {"allow": [], "deny": []},
       "query_policy": {"allow": [{"rid": "t.device", "name": "*"}], "deny": []}}],
    "rulesets": [
      {"rid": "t.router", "url": "file:///virtual/t.router.krl",
       "config": {"a": 10, "nested": {"x": 1, "y": 3}, "b": 2, "k": 1, "k2": 2}},
      {"rid": "t.device", "url": "file:///virtual/t.device.krl",
       "config": {"a": 1, "nested": {"x": 1, "y": 3}, "b": 2}}],
    "initialization": [
      {"domain": "d", "type": "first", "attributes": {}},
      {"domain": "d", "type": "second", "attributes": {"n": 2}}],
    "subscriptions": [
      {"collection": "hall", "collection_role": "hub", "subscriber_role": "member"},
      {"collection": "attic", "collection_role": "collection", "subscriber_role": "device"}],
    "protocols": ["http"], "mqtt": {"topics": [], "instructions": null}
  })")));
  CHECK(krl::encode_json(f.catalog.values()).find("\"name\":\"base\"") != std::string::npos);
  CHECK(f.catalog.names() == std::vector<std::string>{"base", "kid"});
}

TEST_CASE("prototypes: scalars read as YAML 1.2's core schema", "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("s.yaml", R"(name: s
config:
  int: 42
  neg: -3.5
  exp: 1e3
  hex: 0x1f
  oct: 0o17
  yes: true
  no: False
  none: ~
  empty:
  quoted: "42"
  single: 'true'
  tagged: !!str 7
  word: yes
  version: 1.2.3
  list: [1, two, "3"]
)");
  REQUIRE(f.load().empty());
  auto s = f.catalog.get("s");
  REQUIRE(s);
  CHECK(krl::encode_json(krl::Value(s->config)) ==
        R"({"int":42,"neg":-3.5,"exp":1000,"hex":31,"oct":15,"yes":true,"no":false,"none":null,)"
        R"("empty":null,"quoted":"42","single":"true","tagged":"7","word":"yes",)"
        R"("version":"1.2.3","list":[1,"two","3"]})");
}

TEST_CASE("prototypes: a relative url is a file url beside the file, registered when loaded",
          "[prototypes]") {
  PrototypeFixture f;
  f.dir.write("mine.krl", "ruleset t.mine { rule r { select when t m } }");
  f.dir.write("u.yaml", "name: u\nrulesets:\n  - url: ./mine.krl\n    config: {c: 1}\n");
  REQUIRE(f.load().empty());
  auto u = f.catalog.get("u");
  REQUIRE(u);
  REQUIRE(u->rulesets.size() == 1);
  CHECK(u->rulesets[0].rid == "t.mine");
  CHECK(u->rulesets[0].url == "file://" + f.dir.path() + "/mine.krl");
  auto registered = f.registry.get("t.mine");
  REQUIRE(registered);
  CHECK(registered->url == u->rulesets[0].url);
}

// `use module` dependency cycles: refused when registering, and when an
// instance is created from rulesets persisted with a cycle; diamonds are fine.
#include <catch2/catch.hpp>

#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/records/records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/runtime/runtime_fixture.h"

using namespace spime::runtime;

namespace {

// The offline runtime with a root pico.
struct World : spime::runtime::testing::OfflineWorld {
  std::string root;

  World() {
    std::string err;
    root = services->ensure_root_pico(&err);
    REQUIRE(err.empty());
  }
  // Registers `source` as mem://<rid>; returns the error ("" when registered).
  std::string reg(const std::string& rid, const std::string& source) {
    return registry->register_source("mem://" + rid, source).error;
  }
  std::string install(const std::string& rid) {
    std::string err;
    bool ok = services->install(root, rid, {}, &err);
    CHECK(ok == err.empty());
    return err;
  }
  spime::krl::Value query(const std::string& rid, const std::string& name) {
    std::string err;
    auto pico = PicoState::load(*store, *services, root, &err);
    INFO(err);
    REQUIRE(pico);
    auto q = spime::runtime::testing::query_pico(*pico, rid, name, {}, *services);
    INFO(q.error);
    CHECK(q.status == 200);
    return q.value;
  }
};

const char* kA = "ruleset a { meta { provides x } global { x = function() { 1 } } }";
const char* kBUsesA =
    "ruleset b { meta { use module a shares y } global { y = function() { a:x() + 1 } } }";
const char* kAUsesB =
    "ruleset a { meta { use module b provides x } global { x = function() { 1 } } }";

}  // namespace

TEST_CASE("registering a ruleset that closes a module cycle is refused", "[registry]") {
  World w;
  REQUIRE(w.reg("a", kA).empty());
  REQUIRE(w.reg("b", kBUsesA).empty());
  CHECK(w.reg("a", kAUsesB) == "Dependency Cycle Found: a -> b -> a");
  // The registered version stays; b still installs and runs on it.
  CHECK(w.registry->get("a")->source == kA);
  CHECK(w.install("a") == "");  // a module is installed where it is used
  CHECK(w.install("b") == "");
  CHECK(w.query("b", "y").as_number() == 2);
  // Nothing of the refused version was persisted.
  w.open_registry();
  CHECK(w.registry->load_from_store().empty());
  CHECK(w.registry->get("a")->source == kA);

  // Itself.
  CHECK(w.reg("s", "ruleset s { meta { use module s } }") == "Dependency Cycle Found: s -> s");
  CHECK_FALSE(w.registry->get("s"));

  // Three long, named from the ruleset being registered.
  REQUIRE(w.reg("p", "ruleset p { meta { provides v } global { v = 1 } }").empty());
  REQUIRE(w.reg("q", "ruleset q { meta { use module p provides v } global { v = p:v } }").empty());
  REQUIRE(w.reg("r", "ruleset r { meta { use module q provides v } global { v = q:v } }").empty());
  CHECK(w.reg("p", "ruleset p { meta { use module r provides v } global { v = 1 } }") ==
        "Dependency Cycle Found: p -> r -> q -> p");
  CHECK(w.reg("q", "ruleset q { meta { use module r provides v } global { v = 1 } }") ==
        "Dependency Cycle Found: q -> r -> q");

  // A user registered before its module: the module may not use it back.
  REQUIRE(w.reg("x", "ruleset x { meta { use module y } }").empty());
  CHECK(w.reg("y", "ruleset y { meta { use module x } }") == "Dependency Cycle Found: y -> x -> y");
  CHECK(w.reg("y", "ruleset y { }").empty());
}

TEST_CASE("a diamond of modules is not a cycle", "[registry]") {
  World w;
  REQUIRE(w.reg("d", "ruleset d { meta { provides n } global { n = function() { 1 } } }").empty());
  REQUIRE(w.reg("b",
                "ruleset b { meta { use module d provides n } global { n = function() { d:n() + 10 "
                "} } }")
              .empty());
  REQUIRE(w.reg("c",
                "ruleset c { meta { use module d provides n } global { n = function() { d:n() + "
                "100 } } }")
              .empty());
  REQUIRE(w.reg("a", R"(ruleset a {
    meta { use module b use module c shares n }
    global { n = function() { b:n() + c:n() } } })")
              .empty());
  for (const char* rid : {"d", "b", "c", "a"}) CHECK(w.install(rid) == "");
  CHECK(w.query("a", "n").as_number() == 112);
  // Registering the shared module again is fine too.
  CHECK(w.reg("d", "ruleset d { meta { provides n } global { n = function() { 2 } } }").empty());
  CHECK(w.install("a") == "");
  CHECK(w.query("a", "n").as_number() == 114);
}

TEST_CASE("a cycle persisted in the store is refused when an instance is created", "[registry]") {
  World w;
  // As an older engine (without the registration check) could have left it.
  spime::store::WriteBatch batch;
  batch.put(spime::store::keys::ruleset("a"),
            encode_record(RulesetRecord{"mem://a", kAUsesB, "h1"}));
  batch.put(spime::store::keys::ruleset("b"),
            encode_record(RulesetRecord{"mem://b", kBUsesA, "h2"}));
  std::string err;
  REQUIRE(w.store->write(batch, &err));
  w.open_registry();
  CHECK(w.registry->load_from_store().empty());
  REQUIRE(w.registry->get("a"));
  REQUIRE(w.registry->get("b"));

  // Neither can be installed first: each needs the other on the pico.
  CHECK(w.install("a") == "mem://a:1:20: Module not found: b");
  CHECK(w.install("b") == "mem://b:1:20: Module not found: a");
  // Nothing was installed.
  auto pico = PicoState::load(*w.store, *w.services, w.root, &err);
  REQUIRE(pico);
  CHECK(pico->installations().empty());
  // A pico persisted with both (as an older engine could have left it) does
  // not load: the cycle is named.
  spime::store::WriteBatch installs;
  spime::runtime::pico_records::put_installation(&installs, w.root, "a",
                                                 InstallRecord{"mem://a", {}, 0});
  spime::runtime::pico_records::put_installation(&installs, w.root, "b",
                                                 InstallRecord{"mem://b", {}, 1});
  REQUIRE(w.store->write(installs, &err));
  err.clear();
  CHECK_FALSE(PicoState::load(*w.store, *w.services, w.root, &err));
  CHECK(err == "mem://a:1:20: Dependency Cycle Found: a -> b -> a");
}
TEST_CASE("functions a module provides keep its globals and its own modules", "[registry]") {
  // A used instance used to be dropped once its provides were taken, wiping
  // its globals: b:n() then failed with "Module d does not provide n".
  World w;
  REQUIRE(w.reg("d", "ruleset d { meta { provides n } global { n = function() { 1 } } }") == "");
  REQUIRE(w.reg("b", R"(ruleset b { meta { use module d provides n }
    global { ten = 10 n = function() { d:n() + ten } } })") == "");
  REQUIRE(
      w.reg("a",
            "ruleset a { meta { use module b shares n } global { n = function() { b:n() } } }") ==
      "");
  for (const char* rid : {"d", "b", "a"}) CHECK(w.install(rid) == "");
  CHECK(w.query("a", "n").as_number() == 11);
}

// Ruleset instances shared by picos: which globals are pico-independent
// (krl::Program::shareable_globals), and make_instance handing one instance
// to every pico with the same configuration and modules, and a new one when
// the configuration, the ruleset or a module changes, or the globals read the
// pico.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "engine/runtime/pico/pico_state.h"
#include "tests/runtime/runtime_fixture.h"

using namespace spime::runtime;
using spime::krl::Map;
using spime::krl::Value;

namespace {

struct World : testing::OfflineWorld {
  std::shared_ptr<const LoadedRuleset> reg(const std::string& rid, const std::string& source) {
    auto r = registry->register_source("mem://" + rid, source);
    INFO(r.error);
    REQUIRE(r.ruleset);
    return r.ruleset;
  }
  bool shareable(const std::string& source) {
    return reg("t", source)->program->shareable_globals();
  }
  // A pico (not stored) with `rids` installed, each with `config`.
  std::unique_ptr<PicoState> pico(const std::string& id, const std::vector<std::string>& rids,
                                  const Map& config = {}, std::string* error = nullptr) {
    std::vector<std::pair<std::shared_ptr<const LoadedRuleset>, InstallRecord>> installs;
    std::int64_t order = 0;
    for (const auto& rid : rids) {
      installs.emplace_back(registry->get(rid), InstallRecord{"mem://" + rid, config, order++});
    }
    std::string err;
    auto p = PicoState::create(*store, *services, id, PicoRecord{}, {}, installs, &err);
    if (error) *error = err;
    return p;
  }
  static const spime::krl::RulesetInstance* instance(const PicoState& p, const std::string& rid) {
    const Installation* inst = p.installation(rid);
    REQUIRE(inst);
    return inst->instance.get();
  }
  Value query(PicoState& p, const std::string& rid, const std::string& name) {
    auto a = testing::query_pico(p, rid, name, {}, *services);
    INFO(a.error);
    REQUIRE(a.ok);
    return a.value;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("globals built of literals, functions, operators and modules are shareable",
          "[runtime][shared]") {
  World w;
  CHECK(w.shareable("ruleset t { }"));
  CHECK(w.shareable(R"(ruleset t {
    meta { configure using limit = 80 names = ["a", "b"] shares f }
    global {
      RID = "t"
      url = <<https://example.com/#{RID}>>
      m = {"a": 1, "b": [1, 2, limit * 2]}.put("c", 3)
      joined = names.join(",")
      g = function(x) { ent:seen{x} || time:now() }
      f = function() { g(m{"a"}) }
      act = defaction(x) { send_directive("x", {"x": x}) }
      pick = limit > 50 => m{["b", 1]} | -1
      doubled = [1, 2].map(function(v) { w = v * 2; w + limit })
    } })"));
  // A used module's values, and `with` built of literals.
  w.reg("mod", "ruleset mod { meta { configure using k = 1 provides v } global { v = k } }");
  CHECK(w.shareable(
      "ruleset t { meta { use module mod alias m with k = 2 } global { got = m:v + 1 } }"));
}

TEST_CASE("globals that read the pico, the clock, chance or call user code are not",
          "[runtime][shared]") {
  World w;
  CHECK_FALSE(w.shareable("ruleset t { global { id = meta:picoId } }"));
  CHECK_FALSE(w.shareable("ruleset t { global { x = ent:x } }"));
  CHECK_FALSE(w.shareable("ruleset t { global { t = time:now() } }"));
  CHECK_FALSE(w.shareable("ruleset t { global { u = random:uuid() } }"));
  CHECK_FALSE(w.shareable("ruleset t { global { f = function() { 1 } x = f() } }"));
  CHECK_FALSE(w.shareable("ruleset t { global { x = [1, 2].map(function(v) { ent:x{v} }) } }"));
  CHECK_FALSE(w.shareable(
      "ruleset t { global { f = function(v) { v } x = [1].map(function(v) { f(v) }) } }"));
  // A function given by name may read the pico when the operator calls it.
  CHECK_FALSE(w.shareable("ruleset t { global { f = function(v) { ent:x } x = [1].map(f) } }"));
  CHECK_FALSE(w.shareable(
      "ruleset t { global { f = function(a, b) { meta:picoId } x = [2, 1].sort(f) } }"));
  // A parameter named like an operator is what `.put()` calls inside the function.
  CHECK_FALSE(
      w.shareable("ruleset t { global { x = [1].map(function(put) { {}.put(\"a\", 1) }) } }"));
  CHECK_FALSE(w.shareable("ruleset t { meta { configure using c = time:now() } }"));
  CHECK_FALSE(w.shareable("ruleset t { meta { configure using c = meta:picoId } }"));
  // A declaration named like an operator is what `.put()` calls.
  CHECK_FALSE(w.shareable(
      "ruleset t { global { put = function(m, k, v) { ent:x } x = {}.put(\"a\", 1) } }"));
  // A `within` computed per instance.
  CHECK_FALSE(w.shareable(R"(ruleset t {
    meta { configure using n = 2 }
    rule r { select when a b before a c within n minutes } })"));
}

TEST_CASE("the rulesets every device pico runs are shareable", "[runtime][shared]") {
  World w;
  const std::string dir = SPIME_SOURCE_DIR "/rulesets/";
  // In the order their modules need.
  for (const char* file : {"io.picolabs.wrangler.krl", "io.picolabs.subscription.krl",
                           "io.picolabs.pico-engine-ui.krl", "esproto_router.krl",
                           "esproto_device.krl", "spimes_collection.krl", "spimes.krl"}) {
    INFO(file);
    auto r = w.registry->register_source("file://" + dir + file, slurp(dir + file));
    INFO(r.error);
    REQUIRE(r.ruleset);
    CHECK(r.ruleset->program->shareable_globals());
  }
}

TEST_CASE("picos with the same configuration share one instance, others get their own",
          "[runtime][shared]") {
  World w;
  w.reg("mod", R"(ruleset mod { meta { configure using k = 1 provides v, f }
    global { v = function() { k } f = function() { meta:picoId } } })");
  w.reg("user", R"(ruleset user { meta { use module mod alias m shares v, who }
    global { v = function() { m:v() } who = function() { m:f() } } })");
  w.reg("own", "ruleset own { meta { shares id } global { id = meta:picoId } }");

  auto a = w.pico("pico-a", {"mod", "user", "own"});
  auto b = w.pico("pico-b", {"mod", "user", "own"});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(World::instance(*a, "user") == World::instance(*b, "user"));
  CHECK(World::instance(*a, "mod") == World::instance(*b, "mod"));
  // A shared function still runs with the calling pico's context.
  CHECK(w.query(*a, "user", "who").as_string() == "pico-a");
  CHECK(w.query(*b, "user", "who").as_string() == "pico-b");
  // Globals that read the pico are the pico's own.
  CHECK(World::instance(*a, "own") != World::instance(*b, "own"));
  CHECK(w.query(*a, "own", "id").as_string() == "pico-a");
  CHECK(w.query(*b, "own", "id").as_string() == "pico-b");

  // Another configuration, another instance.
  Map config;
  config.set("k", Value(5.0));
  auto c = w.pico("pico-c", {"mod"}, config);
  REQUIRE(c);
  CHECK(World::instance(*c, "mod") != World::instance(*a, "mod"));

  // A new version of the module: its users get new instances, reading it.
  w.reg("mod", R"(ruleset mod { meta { configure using k = 7 provides v, f }
    global { v = function() { k } f = function() { "f" } } })");
  auto d = w.pico("pico-d", {"mod", "user"});
  REQUIRE(d);
  CHECK(World::instance(*d, "user") != World::instance(*a, "user"));
  CHECK(w.query(*d, "user", "v").as_number() == 7);
  CHECK(w.query(*a, "user", "v").as_number() == 1);  // a keeps what it loaded

  // Shared or not, a module must be installed on the pico that uses it.
  std::string error;
  auto e = w.pico("pico-e", {"user"}, {}, &error);
  CHECK_FALSE(e);
  CHECK(error.find("Module not found: mod") != std::string::npos);
}

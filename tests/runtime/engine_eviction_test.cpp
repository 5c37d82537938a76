// The engine in-process (no HTTP): at most max_active_picos picos stay in
// memory; an evicted pico comes back from the store with its state intact.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/runtime/engine.h"
#include "tests/runtime/engine_calls.h"
#include "tests/temp_dir.h"

namespace fs = std::filesystem;
using spime::krl::Array;
using spime::krl::Map;
using spime::krl::Value;
using spime::runtime::Engine;
using spime::runtime::EngineOptions;
using spime::runtime::testing::must_event;
using spime::runtime::testing::must_query;
using spime::testing::TempDir;

namespace {

const char* kCounter = R"krl(
ruleset it.counter {
  meta { shares hits }
  global { hits = function() { ent:hits.defaultsTo(0) } }
  rule inc {
    select when counter inc
    always { ent:hits := hits() + 1 }
  }
}
)krl";

}  // namespace

TEST_CASE("engine: at most max_active_picos picos stay active, evicted ones keep their state",
          "[runtime][engine]") {
  TempDir dir;
  std::string counter_path = (fs::path(dir.path()) / "it.counter.krl").string();
  std::ofstream(counter_path) << kCounter;

  EngineOptions options;
  options.data_dir = (fs::path(dir.path()) / "data").string();
  options.rulesets_dir = SPIME_SOURCE_DIR "/rulesets";
  options.max_active_picos = 3;
  std::string err;
  auto engine = Engine::open(options, &err);
  INFO(err);
  REQUIRE(engine);
  const std::string owner = engine->owner_eci();

  constexpr int kChildren = 6;
  for (int i = 0; i < kChildren; ++i) {
    must_event(*engine, owner, "wrangler", "new_child_request",
               Map{{"name", "c" + std::to_string(i)}});
  }
  Value children = must_query(*engine, owner, "io.picolabs.wrangler", "children");
  REQUIRE(children.is_array());
  REQUIRE(children.as_array().size() == kChildren);
  // A family ECI is its parent's alone: each child is reached through a
  // channel made on its engine UI channel.
  Value ui_children =
      *must_query(*engine, owner, "io.picolabs.pico-engine-ui", "pico").as_map().find("children");
  REQUIRE(ui_children.as_array().size() == kChildren);
  std::vector<std::string> ecis;
  Map allow_events{{"allow", Value(Array{Value(Map{{"domain", "*"}, {"name", "*"}})})},
                   {"deny", Value(Array{})}};
  Map allow_queries{{"allow", Value(Array{Value(Map{{"rid", "*"}, {"name", "*"}})})},
                    {"deny", Value(Array{})}};
  for (const Value& ui : ui_children.as_array()) {
    must_event(*engine, ui.as_string(), "engine_ui", "new_channel",
               Map{{"tags", Value(Array{Value("test")})},
                   {"eventPolicy", Value(allow_events)},
                   {"queryPolicy", Value(allow_queries)}});
    Value pico = must_query(*engine, ui.as_string(), "io.picolabs.pico-engine-ui", "pico");
    std::string eci;
    for (const Value& c : pico.as_map().find("channels")->as_array()) {
      const Value* tags = c.as_map().find("tags");
      if (tags->as_array().size() == 1 && tags->as_array()[0].as_string() == "test") {
        eci = c.as_map().find("id")->as_string();
      }
    }
    REQUIRE(!eci.empty());
    ecis.push_back(eci);
  }
  for (const std::string& eci : ecis) {
    must_event(*engine, eci, "wrangler", "install_ruleset_request",
               Map{{"url", "file://" + counter_path}});
  }

  // Three rounds over every child: each round reactivates evicted picos.
  for (int round = 0; round < 3; ++round) {
    for (const std::string& eci : ecis) {
      must_event(*engine, eci, "counter", "inc");
      CHECK(engine->active_picos() <= options.max_active_picos);
    }
  }
  for (const std::string& eci : ecis) {
    CHECK(spime::krl::equal(must_query(*engine, eci, "it.counter", "hits"), Value(3)));
  }
  CHECK(engine->active_picos() <= options.max_active_picos);
}

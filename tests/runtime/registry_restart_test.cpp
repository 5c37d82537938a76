// A start registers the rulesets directory over what the store restored: an
// unchanged file is neither compiled nor written again (ruleset_registry.h).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/timers/clock.h"
#include "engine/store/store.h"
#include "tests/temp_dir.h"

using namespace spime::runtime;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

struct Start {
  std::unique_ptr<spime::store::Store> store;
  std::unique_ptr<RulesetRegistry> registry;
};

Start start(const std::string& data, const std::string& rulesets, std::int64_t now_ms) {
  Start s;
  spime::store::Store::Options o;
  o.sync_commits = false;
  std::string err;
  s.store = spime::store::Store::open(data, o, &err);
  REQUIRE(s.store);
  s.registry =
      std::make_unique<RulesetRegistry>(s.store.get(), std::make_shared<ManualClock>(now_ms));
  REQUIRE(s.registry->load_from_store().empty());
  REQUIRE(s.registry->load_directory(rulesets).empty());
  return s;
}

}  // namespace

TEST_CASE("a start keeps unchanged rulesets as stored and registers changed ones", "[registry]") {
  spime::testing::TempDir dir;
  const std::string rulesets = dir.path() + "/rulesets";
  std::filesystem::create_directories(rulesets);
  write_file(rulesets + "/a.krl", "ruleset a { global { v = 1 } }");
  write_file(rulesets + "/b.krl", "ruleset b { global { v = 1 } }");
  const std::string data = dir.path() + "/data";

  { Start first = start(data, rulesets, 1000); }
  {
    Start second = start(data, rulesets, 2000);
    REQUIRE(second.registry->get("a"));
    CHECK(second.registry->get("a")->flushed_ms == 1000);  // restored, not registered again
    CHECK(second.registry->get("b")->flushed_ms == 1000);
  }
  write_file(rulesets + "/b.krl", "ruleset b { global { v = 2 } }");
  {
    Start third = start(data, rulesets, 3000);
    CHECK(third.registry->get("a")->flushed_ms == 1000);
    REQUIRE(third.registry->get("b"));
    CHECK(third.registry->get("b")->flushed_ms == 3000);  // the file changed: a new version
    CHECK(third.registry->get("b")->source.find("v = 2") != std::string::npos);
  }
  // And the new version is what the store restores next time.
  Start fourth = start(data, rulesets, 4000);
  CHECK(fourth.registry->get("b")->flushed_ms == 3000);
  CHECK(fourth.registry->get("b")->source.find("v = 2") != std::string::npos);
}

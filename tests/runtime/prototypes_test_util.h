// What the prototype unit tests share: a folder of prototype files, a
// registry that knows a few small rulesets, and a catalog over the folder.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "tests/temp_dir.h"

namespace spime::runtime::testing {

struct PrototypeFixture {
  spime::testing::TempDir dir;
  RulesetRegistry registry{nullptr};
  PrototypeCatalog catalog{dir.path()};

  PrototypeFixture() {
    for (const char* rid : {"t.router", "t.device", "t.extra"}) {
      auto r = registry.register_source(
          std::string("file:///virtual/") + rid + ".krl",
          std::string("ruleset ") + rid + " { rule r { select when t e } }");
      INFO(r.error);
      REQUIRE(r.ruleset);
    }
  }

  // The error of checking `text` as file `file` ("" when it passes).
  std::string check_error(const std::string& file, const std::string& text) {
    std::vector<std::string> names;
    PrototypeError error;
    if (catalog.check(file, text, registry, &names, &error)) return "";
    return error.to_string();
  }

  // Every error of loading the folder, as text.
  std::vector<std::string> load() {
    std::vector<std::string> out;
    for (const PrototypeError& e : catalog.load_directory(registry)) out.push_back(e.to_string());
    return out;
  }
};

}  // namespace spime::runtime::testing

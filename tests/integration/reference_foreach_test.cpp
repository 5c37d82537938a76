// The reference's test of foreach.krl (foreach over arrays and maps, nesting, scope,
// `on final`), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference foreach.krl: foreach", "[reference]") {
  TestEngine e({"foreach.krl"});
  // step 1: over an array
  CHECK(
      e.signal("foreach", "basic") ==
      json::array({dir("basic", {{"x", 1}}), dir("basic", {{"x", 2}}), dir("basic", {{"x", 3}})}));
  // step 2: over a map (value, key)
  CHECK(e.signal("foreach", "map") ==
        json::array({dir("map", {{"k", "a"}, {"v", 1}}), dir("map", {{"k", "b"}, {"v", 2}}),
                     dir("map", {{"k", "c"}, {"v", 3}})}));
  // step 3: nested
  json nested = json::array();
  for (int x = 1; x <= 3; ++x) {
    for (const char* y : {"a", "b", "c"}) nested.push_back(dir("nested", {{"x", x}, {"y", y}}));
  }
  CHECK(e.signal("foreach", "nested") == nested);
  // step 4: the prelude sees every level's variable; the array is doubled
  json scope = json::array();
  for (int twice = 0; twice < 2; ++twice) {
    for (int foo = 1; foo <= 3; ++foo) {
      for (int bar = 0; bar <= foo; ++bar) {
        scope.push_back(dir("scope", {{"foo", foo}, {"bar", bar}, {"baz", foo * bar}}));
      }
    }
  }
  CHECK(e.signal("foreach", "scope") == scope);
  // steps 5-7: `on final` raises once, with the last iteration's values
  CHECK(e.signal("foreach", "final", {{"x", "a"}, {"y", "0"}}) ==
        json::array({dir("final", {{"x", "a"}, {"y", "0"}}),
                     dir("final_raised", {{"x", "a"}, {"y", "0"}})}));
  CHECK(e.signal("foreach", "final", {{"x", "a"}, {"y", "0,1"}}) ==
        json::array({dir("final", {{"x", "a"}, {"y", "0"}}), dir("final", {{"x", "a"}, {"y", "1"}}),
                     dir("final_raised", {{"x", "a"}, {"y", "1"}})}));
  CHECK(e.signal("foreach", "final", {{"x", "a,b"}, {"y", "0,1"}}) ==
        json::array({dir("final", {{"x", "a"}, {"y", "0"}}), dir("final", {{"x", "a"}, {"y", "1"}}),
                     dir("final", {{"x", "b"}, {"y", "0"}}), dir("final", {{"x", "b"}, {"y", "1"}}),
                     dir("final_raised", {{"x", "b"}, {"y", "1"}})}));
  // step 8: a map's second setting() variable is the key, an array's the index
  json kvi = json::array();
  for (const auto& [k, a] :
       std::vector<std::pair<const char*, const char*>>{{"foo", "bar"}, {"baz", "qux"}}) {
    int i = 0;
    for (const char* b : {"one", "two", "three"}) {
      kvi.push_back(dir("key_vs_index", {{"a", a}, {"k", k}, {"b", b}, {"i", i++}}));
    }
  }
  CHECK(e.signal("foreach", "key_vs_index") == kvi);
}

// Ids and ECIs the engine mints (runtime/records/ids.h).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "engine/runtime/records/ids.h"

using spime::runtime::is_valid_id;
using spime::runtime::kIdLength;
using spime::runtime::new_id;

TEST_CASE("new ids are valid, distinct, and never begin with '-'", "[ids]") {
  std::set<std::string> seen;
  // 1 in 64 random ids would begin with '-' without the rule: 20,000 make a miss unlikely.
  for (int i = 0; i < 20000; ++i) {
    std::string id = new_id();
    REQUIRE(id.size() == kIdLength);
    REQUIRE(is_valid_id(id));
    REQUIRE(id.front() != '-');
    seen.insert(std::move(id));
  }
  CHECK(seen.size() == 20000);
}

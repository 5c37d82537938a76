// How many keys of each per-pico family a stopped server's store holds: the
// all-or-nothing tests compare them before and after a failed creation.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <string_view>

#include "engine/store/store.h"
#include "tests/integration/server_fixture.h"

namespace spime::integration {

// The server must be stopped (its store is locked while it runs).
inline std::map<std::string, size_t> pico_key_counts(const SpimeServer& server) {
  REQUIRE_FALSE(server.running());
  std::string error;
  auto store = spime::store::Store::open(server.data_dir(), {}, &error);
  INFO(error);
  REQUIRE(store);
  std::map<std::string, size_t> counts;
  for (const char* family : {"p/", "c/", "h/", "k/", "i/", "e/", "w/", "l/", "x/"}) {
    size_t n = 0;
    store->scan(family, [&](std::string_view, std::string_view) {
      ++n;
      return true;
    });
    counts[family] = n;
  }
  return counts;
}

}  // namespace spime::integration

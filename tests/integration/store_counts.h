// How many keys of each per-pico family a stopped server's store holds: the
// all-or-nothing tests compare them before and after a failed creation.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <string_view>

#include "engine/store/store.h"

namespace spime::integration {

// The server that owns `data_dir` must be stopped (the store is locked).
inline std::map<std::string, size_t> pico_key_counts(const std::string& data_dir) {
  std::string error;
  auto store = spime::store::Store::open(data_dir, {}, &error);
  INFO(error);
  REQUIRE(store);
  std::map<std::string, size_t> counts;
  for (const char* family : {"p/", "c/", "h/", "k/", "i/", "e/", "w/"}) {
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

// ChannelCache: hits, invalidation, and a read that raced a commit is not kept.
#include <catch2/catch.hpp>

#include "engine/runtime/channel/channel_cache.h"

using spime::runtime::ChannelCache;
using spime::runtime::ChannelRecord;

namespace {

std::shared_ptr<const ChannelRecord> record(const std::string& eci, const std::string& pico) {
  auto c = std::make_shared<ChannelRecord>();
  c->eci = eci;
  c->pico_id = pico;
  return c;
}

}  // namespace

TEST_CASE("channel cache: put, get, invalidate", "[runtime]") {
  ChannelCache cache;
  CHECK(cache.get("e1") == nullptr);
  cache.put(record("e1", "p1"), cache.generation());
  REQUIRE(cache.get("e1") != nullptr);
  CHECK(cache.get("e1")->pico_id == "p1");
  cache.invalidate();
  CHECK(cache.get("e1") == nullptr);
}

TEST_CASE("channel cache: a record read before a commit is not cached after it", "[runtime]") {
  ChannelCache cache;
  std::uint64_t before_read = cache.generation();
  cache.invalidate();  // a batch changing channels committed meanwhile
  cache.put(record("e1", "old"), before_read);
  CHECK(cache.get("e1") == nullptr);
  cache.put(record("e1", "new"), cache.generation());
  CHECK(cache.get("e1")->pico_id == "new");
}

TEST_CASE("channel cache: bounded", "[runtime]") {
  ChannelCache cache(3);
  for (int i = 0; i < 10; ++i) {
    cache.put(record("e" + std::to_string(i), "p"), cache.generation());
  }
  int held = 0;
  for (int i = 0; i < 10; ++i) held += cache.get("e" + std::to_string(i)) != nullptr;
  CHECK(held >= 1);
  CHECK(held <= 3);
  CHECK(cache.get("e9") != nullptr);  // the newest is always there
}

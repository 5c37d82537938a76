// Delivery records (runtime/records/delivery_records.h): the bound of what a
// pico remembers of the events other engines' outboxes delivered, the value
// format, and the two headers' checks. The behaviour over HTTP, across a
// kill -9 of the sender, is in tests/integration/delivery_test.cpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "engine/runtime/records/delivery_records.h"
#include "engine/store/keys.h"

using namespace spime::runtime;
namespace keys = spime::store::keys;

TEST_CASE("a delivery log keeps the last kKeep ids, newest last", "[delivery]") {
  DeliveryLog log;
  CHECK_FALSE(log.contains(1));
  log.remember(1);
  log.remember(1);  // a repeat adds nothing
  CHECK(log.ids == std::vector<std::uint64_t>{1});
  const std::uint64_t n = DeliveryLog::kKeep + 10;
  for (std::uint64_t id = 2; id <= n; ++id) log.remember(id);
  REQUIRE(log.ids.size() == DeliveryLog::kKeep);
  // The oldest are forgotten, in order; the last kKeep are all there.
  for (std::uint64_t id = 1; id <= n - DeliveryLog::kKeep; ++id) CHECK_FALSE(log.contains(id));
  for (std::uint64_t id = n - DeliveryLog::kKeep + 1; id <= n; ++id) CHECK(log.contains(id));
  CHECK(log.ids.front() == n - DeliveryLog::kKeep + 1);
  CHECK(log.ids.back() == n);
  // Ids need not come in order (two picos of the sender commit out of order).
  log.remember(5);
  CHECK(log.contains(5));
  CHECK(log.ids.size() == DeliveryLog::kKeep);
  CHECK_FALSE(log.contains(n - DeliveryLog::kKeep + 1));
}

TEST_CASE("a delivery log's value round-trips and bad values are refused", "[delivery]") {
  DeliveryLog log;
  for (std::uint64_t id : {7ull, 3ull, 18446744073709551615ull}) log.remember(id);
  std::string value = delivery_records::encode_record(log);
  CHECK(value == "7,3,18446744073709551615");
  DeliveryLog back;
  REQUIRE(delivery_records::decode_record(value, &back));
  CHECK(back.ids == log.ids);
  CHECK(delivery_records::decode_record("", &back));
  CHECK(back.ids.empty());
  for (const char* bad : {",", "1,", ",1", "1,,2", "x", "0", "-1", "1 ", "18446744073709551616"}) {
    INFO(bad);
    CHECK_FALSE(delivery_records::decode_record(bad, &back));
  }
  std::string too_many;
  for (std::size_t i = 1; i <= DeliveryLog::kKeep + 1; ++i) {
    too_many += (i > 1 ? "," : "") + std::to_string(i);
  }
  CHECK_FALSE(delivery_records::decode_record(too_many, &back));
}

TEST_CASE("the delivery headers are checked together", "[delivery]") {
  DeliveryId d;
  std::string error;
  REQUIRE(delivery_records::parse("", "", &d, &error));
  CHECK(d.empty());
  REQUIRE(delivery_records::parse("AbC_-9", "42", &d, &error));
  CHECK(d.sender == "AbC_-9");
  CHECK(d.id == 42);
  CHECK_FALSE(delivery_records::parse("abc", "", &d, &error));
  CHECK_THAT(error, Catch::Contains("go together"));
  CHECK_FALSE(delivery_records::parse("", "1", &d, &error));
  CHECK_FALSE(delivery_records::parse("a b", "1", &d, &error));
  CHECK_THAT(error, Catch::Contains("X-Spime-Sender"));
  CHECK_FALSE(delivery_records::parse(std::string("a\x1f"), "1", &d, &error));
  for (const char* bad : {"0", "-1", "+1", "1.5", "0x10", "18446744073709551616", " 1"}) {
    INFO(bad);
    CHECK_FALSE(delivery_records::parse("abc", bad, &d, &error));
    CHECK_THAT(error, Catch::Contains("X-Spime-Event-Id"));
  }
}

TEST_CASE("delivery records are keyed per pico, channel and sender, and go with the pico",
          "[delivery]") {
  std::string k = keys::delivered("pico1", "eci1", "engineA");
  std::string pico, eci, sender;
  REQUIRE(keys::parse_delivered(k, &pico, &eci, &sender));
  CHECK(pico == "pico1");
  CHECK(eci == "eci1");
  CHECK(sender == "engineA");
  CHECK(k.rfind(keys::delivered_prefix("pico1"), 0) == 0);
  CHECK(k.rfind(keys::delivered_prefix("pico"), 0) != 0);
  bool scoped = false;
  for (const std::string& p : keys::pico_scoped_prefixes("pico1")) {
    if (k.rfind(p, 0) == 0) scoped = true;
  }
  CHECK(scoped);
  CHECK_THROWS(keys::delivered("pico1", "eci1", std::string("a\x1f")));
}

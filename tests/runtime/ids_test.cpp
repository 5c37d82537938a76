// Ids and ECIs the engine mints (runtime/records/ids.h).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/records.h"

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

TEST_CASE("slotted ECIs carry their slot and 132 random bits", "[ids][cluster]") {
  using spime::cluster::kSlotCount;
  using spime::cluster::Slot;
  using spime::runtime::kSlottedEciLength;
  using spime::runtime::new_slotted_eci;
  using spime::runtime::slot_of_eci;
  std::set<std::string> seen;
  for (unsigned s = 0; s < kSlotCount; ++s) {
    const std::string eci = new_slotted_eci(static_cast<Slot>(s));
    REQUIRE(eci.size() == kSlottedEciLength);
    REQUIRE(is_valid_id(eci));
    REQUIRE(eci.front() != '-');
    REQUIRE(slot_of_eci(eci) == static_cast<Slot>(s));
    seen.insert(eci.substr(3));
  }
  CHECK(seen.size() == kSlotCount);  // the random part differs every time
  CHECK(new_slotted_eci(0x3a7).substr(0, 3) == "3a7");
}

TEST_CASE("legacy ids, cuids and junk carry no slot", "[ids][cluster]") {
  using spime::runtime::slot_of_eci;
  for (int i = 0; i < 1000; ++i) REQUIRE_FALSE(slot_of_eci(new_id()).has_value());
  CHECK_FALSE(slot_of_eci("ck6uyvyzx0001b0j6rgq1k9zw").has_value());  // a reference cuid, 25 long
  CHECK_FALSE(slot_of_eci("3A7aaaaaaaaaaaaaaaaaaaaaa").has_value());  // upper-case hex
  CHECK_FALSE(slot_of_eci("3a7aaaaaaaaaaaaaaaaaaaaa").has_value());   // 24 long
  CHECK_FALSE(slot_of_eci("3a7aaaaaaaaaaaaaaaaaaaa/a").has_value());  // outside the alphabet
  CHECK_FALSE(slot_of_eci("").has_value());
  CHECK(slot_of_eci("fffaaaaaaaaaaaaaaaaaaaaaa") == spime::cluster::Slot{0xfff});
}

TEST_CASE("slot text is 3 lower-case hex digits, both ways", "[cluster]") {
  using spime::cluster::parse_slot_text;
  using spime::cluster::slot_text;
  CHECK(slot_text(0) == "000");
  CHECK(slot_text(0x3a7) == "3a7");
  CHECK(slot_text(4095) == "fff");
  for (unsigned s = 0; s < spime::cluster::kSlotCount; ++s) {
    REQUIRE(parse_slot_text(slot_text(static_cast<spime::cluster::Slot>(s))) == s);
  }
  for (const char* bad : {"", "3a", "3a77", "3A7", "0x3", "g00", " 3a", "-01"}) {
    CHECK_FALSE(parse_slot_text(bad).has_value());
  }
}

TEST_CASE("a pico record keeps its slot, and refuses one that is not a slot", "[ids][cluster]") {
  using spime::runtime::decode_record;
  using spime::runtime::encode_record;
  using spime::runtime::PicoRecord;
  PicoRecord rec;
  rec.created_ms = 5;
  rec.slot = spime::cluster::Slot{0x3a7};
  const std::string json = encode_record(rec);
  CHECK_THAT(json, Catch::Contains("\"slot\":\"3a7\""));
  PicoRecord back;
  std::string error;
  REQUIRE(decode_record(json, &back, &error));
  CHECK(back.slot == rec.slot);

  PicoRecord legacy;  // written before slots: none
  REQUIRE(decode_record("{\"parent\":null,\"created\":1}", &legacy, &error));
  CHECK_FALSE(legacy.slot.has_value());
  CHECK(encode_record(legacy).find("slot") == std::string::npos);

  for (const char* bad : {"{\"created\":1,\"slot\":\"3A7\"}", "{\"created\":1,\"slot\":935}",
                          "{\"created\":1,\"slot\":\"1000\"}"}) {
    INFO(bad);
    CHECK_FALSE(decode_record(bad, &back, &error));
    CHECK_THAT(error, Catch::Contains("slot"));
  }
}

TEST_CASE("ids: random_below draws every value below n, and only those", "[ids]") {
  using spime::runtime::random_below;
  CHECK(random_below(0) == 0);
  CHECK(random_below(1) == 0);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 500; ++i) {  // each of 5 values missed with odds 0.8^500
    const std::uint32_t v = random_below(5);
    REQUIRE(v < 5);
    seen.insert(v);
  }
  CHECK(seen.size() == 5);
  for (int i = 0; i < 100; ++i) REQUIRE(random_below(4095) < 4095);
}

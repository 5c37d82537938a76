#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/store/keys.h"

namespace keys = spime::store::keys;

namespace {
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
}  // namespace

TEST_CASE("keys: every family round-trips through its parser", "[store]") {
  std::string a, b, c;
  uint64_t due = 0;

  CHECK(keys::schema_version() == "m/schema_version");
  CHECK(keys::root_pico() == "m/root_pico");
  CHECK(keys::counter("picos") == "m/counter/picos");

  REQUIRE(keys::parse_pico(keys::pico("ckpico1"), &a));
  CHECK(a == "ckpico1");
  REQUIRE(keys::parse_channel(keys::channel("ck-eci_1"), &a));
  CHECK(a == "ck-eci_1");
  REQUIRE(keys::parse_pico_channel(keys::pico_channel("p1", "eci9"), &a, &b));
  CHECK((a == "p1" && b == "eci9"));
  REQUIRE(keys::parse_ruleset(keys::ruleset("io.picolabs.wrangler"), &a));
  CHECK(a == "io.picolabs.wrangler");
  REQUIRE(keys::parse_rid_by_url(keys::rid_by_url("file:///x/y.krl?a=1"), &a));
  CHECK(a == "file:///x/y.krl?a=1");
  REQUIRE(keys::parse_installation(keys::installation("p1", "my.rid"), &a, &b));
  CHECK((a == "p1" && b == "my.rid"));
  REQUIRE(keys::parse_entvar(keys::entvar("p1", "my.rid", "count"), &a, &b, &c));
  CHECK((a == "p1" && b == "my.rid" && c == "count"));
  REQUIRE(keys::parse_appvar(keys::appvar("my.rid", "total"), &a, &b));
  CHECK((a == "my.rid" && b == "total"));
  REQUIRE(keys::parse_rule_state(keys::rule_state("p1", "my.rid", "r1"), &a, &b, &c));
  CHECK((a == "p1" && b == "my.rid" && c == "r1"));
  REQUIRE(keys::parse_schedule(keys::schedule("sch1"), &a));
  CHECK(a == "sch1");
  REQUIRE(keys::parse_schedule_due(keys::schedule_due(1700000000123ULL, "sch1"), &due, &a));
  CHECK((due == 1700000000123ULL && a == "sch1"));
  REQUIRE(keys::parse_schedule_due(keys::schedule_due(UINT64_MAX, "z"), &due, &a));
  CHECK(due == UINT64_MAX);
  REQUIRE(keys::parse_slot_member(keys::slot_member("3a7", "p1"), &a, &b));
  CHECK((a == "3a7" && b == "p1"));
  CHECK(keys::slot_member("3a7", "p1").rfind(keys::slot_member_prefix("3a7"), 0) == 0);
  CHECK(keys::movable_key(keys::slot_member("3a7", "p1")));
}

TEST_CASE("keys: fields are separated by 0x1F and prefixes end with it", "[store]") {
  CHECK(keys::entvar("p", "r", "n") == std::string("e/p\x1fr\x1fn"));
  CHECK(keys::entvar_prefix("p", "r") == std::string("e/p\x1fr\x1f"));
  CHECK(keys::entvar_prefix("p") == std::string("e/p\x1f"));
  CHECK(keys::pico_channel_prefix("p") == std::string("h/p\x1f"));
  CHECK(keys::schedule_due(42, "s") == std::string("t/00000000000000000042\x1fs"));
  // A scan prefix for pico "p1" never covers pico "p10" or rid "r" of a rid "r.x".
  CHECK_FALSE(starts_with(keys::entvar("p10", "r", "n"), keys::entvar_prefix("p1")));
  CHECK_FALSE(starts_with(keys::entvar("p1", "r.x", "n"), keys::entvar_prefix("p1", "r")));
  CHECK(starts_with(keys::entvar("p1", "r", "n"), keys::entvar_prefix("p1", "r")));
  CHECK(starts_with(keys::installation("p1", "r"), keys::installation_prefix("p1")));
  CHECK(starts_with(keys::rule_state("p1", "r", "x"), keys::rule_state_prefix("p1", "r")));
  CHECK(starts_with(keys::appvar("r", "x"), keys::appvar_prefix("r")));
}

TEST_CASE("keys: schedule-by-due keys sort by time", "[store]") {
  std::vector<uint64_t> times = {40, 5, 1000000, 0, 99999999999ULL, 6};
  std::vector<std::string> ks;
  for (uint64_t t : times) ks.push_back(keys::schedule_due(t, "id"));
  std::sort(ks.begin(), ks.end());
  std::vector<uint64_t> back;
  for (const auto& k : ks) {
    uint64_t t = 0;
    REQUIRE(keys::parse_schedule_due(k, &t, nullptr));
    back.push_back(t);
  }
  std::sort(times.begin(), times.end());
  CHECK(back == times);
}

TEST_CASE("keys: a separator inside a field is refused with a clear error", "[store]") {
  std::string bad(
      "a\x1f"
      "b");
  CHECK_THROWS_WITH(keys::entvar("p", bad, "n"), "store key: rid must not contain the byte 0x1F");
  CHECK_THROWS_WITH(keys::entvar(bad, "r", "n"),
                    "store key: pico id must not contain the byte 0x1F");
  CHECK_THROWS_WITH(keys::entvar("p", "r", bad),
                    "store key: variable name must not contain the byte 0x1F");
  CHECK_THROWS_WITH(keys::channel(bad), "store key: eci must not contain the byte 0x1F");
  CHECK_THROWS_WITH(keys::schedule_due(1, bad),
                    "store key: schedule id must not contain the byte 0x1F");
  CHECK_THROWS_AS(keys::rule_state_prefix("p", bad), std::invalid_argument);
  // The url is the key's only field: any byte is fine there.
  CHECK_NOTHROW(keys::rid_by_url(bad));
}

TEST_CASE("keys: parsers reject keys of other families and malformed keys", "[store]") {
  std::string a, b, c;
  uint64_t due = 0;
  CHECK_FALSE(keys::parse_entvar(keys::appvar("r", "n"), &a, &b, &c));
  CHECK_FALSE(keys::parse_entvar(keys::entvar_prefix("p", "r"), &a, &b, &c));  // empty name
  CHECK_FALSE(keys::parse_entvar(std::string("e/p\x1fr"), &a, &b, &c));        // 2 fields
  CHECK_FALSE(keys::parse_entvar(std::string("e/p\x1fr\x1fn\x1fx"), &a, &b, &c));
  CHECK_FALSE(keys::parse_pico(keys::pico_prefix(), &a));
  CHECK_FALSE(keys::parse_pico(keys::channel("x"), &a));
  CHECK_FALSE(keys::parse_pico_channel(keys::pico_channel_prefix("p"), &a, &b));
  CHECK_FALSE(keys::parse_rid_by_url(keys::rid_by_url_prefix(), &a));
  CHECK_FALSE(keys::parse_schedule_due("t/123\x1fid", &due, &a));                   // short
  CHECK_FALSE(keys::parse_schedule_due("t/0000000000000000004x\x1fid", &due, &a));  // digit
  CHECK_FALSE(keys::parse_schedule_due("t/99999999999999999999\x1fid", &due, &a));  // > 2^64
  CHECK_FALSE(keys::parse_schedule_due("", &due, &a));
}

TEST_CASE("keys: prefix_end bounds a prefix range", "[store]") {
  CHECK(keys::prefix_end("e/p\x1f") == std::string("e/p\x20"));
  CHECK(keys::prefix_end("ab") == "ac");
  CHECK(keys::prefix_end(std::string("a\xff\xff")) == "b");
  CHECK(keys::prefix_end(std::string("\xff\xff")).empty());
  CHECK(keys::prefix_end("").empty());
}

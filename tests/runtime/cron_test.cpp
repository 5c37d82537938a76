#include "engine/runtime/timers/cron.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

using spime::runtime::CronSpec;

namespace {

// ms since the epoch of a UTC date and time.
std::int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  // Days from civil (H. Hinnant), independent of the code under test's copy.
  std::int64_t yy = y - (mo <= 2);
  std::int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  std::int64_t yoe = yy - era * 400;
  std::int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms;
}

CronSpec spec(const std::string& text) {
  std::string error;
  auto parsed = CronSpec::parse(text, &error);
  INFO(text << " -> " << error);
  REQUIRE(parsed.has_value());
  return *parsed;
}

std::string error_of(const std::string& text) {
  std::string error;
  auto parsed = CronSpec::parse(text, &error);
  INFO(text);
  CHECK_FALSE(parsed.has_value());
  return error;
}

std::int64_t next(const std::string& text, std::int64_t after) {
  auto at = spec(text).next_after(after);
  INFO(text);
  REQUIRE(at.has_value());
  return *at;
}

}  // namespace

TEST_CASE("cron: every second, strictly after, on whole seconds", "[cron]") {
  CronSpec every = spec("* * * * * *");
  CHECK(every.next_after(utc(2024, 1, 1)) == utc(2024, 1, 1, 0, 0, 1));
  CHECK(every.next_after(utc(2024, 1, 1, 0, 0, 0, 500)) == utc(2024, 1, 1, 0, 0, 1));
  CHECK(every.next_after(utc(2024, 1, 1, 0, 0, 0, 999)) == utc(2024, 1, 1, 0, 0, 1));
  CHECK(every.next_after(utc(2024, 12, 31, 23, 59, 59)) == utc(2025, 1, 1));
  // Before the epoch too.
  CHECK(every.next_after(-1) == 0);
  CHECK(every.next_after(-1500) == -1000);
}

TEST_CASE("cron: every five minutes — a time on the boundary is not next", "[cron]") {
  CronSpec five = spec("*/5 * * * *");
  CHECK(five.next_after(utc(2024, 3, 10, 10, 3, 17)) == utc(2024, 3, 10, 10, 5));
  CHECK(five.next_after(utc(2024, 3, 10, 10, 5)) == utc(2024, 3, 10, 10, 10));
  CHECK(five.next_after(utc(2024, 3, 10, 10, 4, 59, 999)) == utc(2024, 3, 10, 10, 5));
  CHECK(five.next_after(utc(2024, 3, 10, 23, 55)) == utc(2024, 3, 11));
  // Iterating from each result walks the schedule.
  std::int64_t t = utc(2024, 3, 10, 10, 0);
  for (int i = 1; i <= 30; ++i) {
    t = *five.next_after(t);
    CHECK(t == utc(2024, 3, 10, 10, 0) + i * 5 * 60000);
  }
}

TEST_CASE("cron: weekdays at nine (six fields, names)", "[cron]") {
  CronSpec nine = spec("0 0 9 * * MON-FRI");
  // 2024-01-05 is a Friday.
  CHECK(nine.next_after(utc(2024, 1, 5, 8, 59, 59)) == utc(2024, 1, 5, 9));
  CHECK(nine.next_after(utc(2024, 1, 5, 9)) == utc(2024, 1, 8, 9));
  CHECK(nine.next_after(utc(2024, 1, 6, 12)) == utc(2024, 1, 8, 9));
  CHECK(next("0 0 9 * * mon-fri", utc(2024, 1, 6)) == utc(2024, 1, 8, 9));
  CHECK(next("0 0 9 * * Sat,sun", utc(2024, 1, 1)) == utc(2024, 1, 6, 9));
}

TEST_CASE("cron: yearly, month and year rollover", "[cron]") {
  CHECK(next("30 2 1 JAN *", utc(2024, 6, 1)) == utc(2025, 1, 1, 2, 30));
  CHECK(next("30 2 1 jan *", utc(2025, 1, 1, 2, 30)) == utc(2026, 1, 1, 2, 30));
  CHECK(next("30 2 1 1 *", utc(2025, 1, 1, 2, 29, 59)) == utc(2025, 1, 1, 2, 30));
  CHECK(next("0 0 1 * *", utc(2024, 12, 15)) == utc(2025, 1, 1));
  CHECK(next("0 0 1 * *", utc(2024, 1, 31, 23, 59, 59)) == utc(2024, 2, 1));
  CHECK(next("59 23 31 12 *", utc(2024, 12, 31, 23, 59)) == utc(2025, 12, 31, 23, 59));
  CHECK(next("0 0 31 * *", utc(2024, 4, 1)) == utc(2024, 5, 31));
  CHECK(next("0 12 * 3,JUN-AUG *", utc(2024, 3, 31, 12)) == utc(2024, 6, 1, 12));
}

TEST_CASE("cron: leap day", "[cron]") {
  CHECK(next("0 0 29 2 *", utc(2024, 3, 1)) == utc(2028, 2, 29));
  CHECK(next("0 0 29 2 *", utc(2024, 2, 28, 12)) == utc(2024, 2, 29));
  // 2100 is not a leap year: eight years between leap days.
  CHECK(next("0 0 29 2 *", utc(2096, 3, 1)) == utc(2104, 2, 29));
  CHECK(next("0 0 29 FEB *", utc(2000, 1, 1)) == utc(2000, 2, 29));
}

TEST_CASE("cron: day of month OR day of week when both are restricted", "[cron]") {
  // 13th of the month or any Friday: 2024-01-05 and -12 are Fridays, -13 a Saturday.
  CronSpec either = spec("0 0 13 * 5");
  CHECK(either.next_after(utc(2024, 1, 1)) == utc(2024, 1, 5));
  CHECK(either.next_after(utc(2024, 1, 5)) == utc(2024, 1, 12));
  CHECK(either.next_after(utc(2024, 1, 12)) == utc(2024, 1, 13));
  CHECK(either.next_after(utc(2024, 1, 13)) == utc(2024, 1, 19));
  // Only the day of month counts when the weekday is `*` (or `?`).
  CHECK(next("0 0 13 * *", utc(2024, 1, 1)) == utc(2024, 1, 13));
  CHECK(next("0 0 13 * ?", utc(2024, 1, 1)) == utc(2024, 1, 13));
  // Only the weekday counts when the day of month is `*` (or `?`).
  CHECK(next("0 0 * * 0", utc(2024, 1, 1)) == utc(2024, 1, 7));
  CHECK(next("0 0 ? * 0", utc(2024, 1, 1)) == utc(2024, 1, 7));
  // Weekday 7 is Sunday too.
  CHECK(next("0 0 * * 7", utc(2024, 1, 1)) == utc(2024, 1, 7));
  CHECK(next("0 0 * * SUN", utc(2024, 1, 1)) == utc(2024, 1, 7));
  CHECK(next("0 0 * * 5-7", utc(2024, 1, 1)) == utc(2024, 1, 5));
  CHECK(next("0 0 * * 6-7", utc(2024, 1, 1)) == utc(2024, 1, 6));
}

TEST_CASE("cron: a schedule that never fires has no next time", "[cron]") {
  CHECK_FALSE(spec("0 0 31 2,4 *").next_after(utc(2024, 1, 1)).has_value());
  CHECK_FALSE(spec("0 0 30 2,FEB *").next_after(utc(2024, 1, 1)).has_value());
  // The first of the month in its fifth week: never.
  CHECK_FALSE(spec("0 0 1 * *#5").next_after(utc(2024, 1, 1)).has_value());
}

TEST_CASE("cron: lists, ranges, steps", "[cron]") {
  CHECK(next("0,30 * * * *", utc(2024, 1, 1, 10, 1)) == utc(2024, 1, 1, 10, 30));
  CHECK(next("10/20 * * * *", utc(2024, 1, 1, 10, 31)) == utc(2024, 1, 1, 10, 50));
  CHECK(next("10/20 * * * *", utc(2024, 1, 1, 10, 50)) == utc(2024, 1, 1, 11, 10));
  CHECK(next("0 8-17/3 * * *", utc(2024, 1, 1, 11, 30)) == utc(2024, 1, 1, 14));
  CHECK(next("0 8-17/3 * * *", utc(2024, 1, 1, 17)) == utc(2024, 1, 2, 8));
  CHECK(next("15,45 1-2,*/20 * * *", utc(2024, 1, 1, 2, 50)) == utc(2024, 1, 1, 20, 15));
  CHECK(next("*/15 * * * * *", utc(2024, 1, 1, 0, 0, 50)) == utc(2024, 1, 1, 0, 1));
  // Weekdays every other day from Sunday: Sun, Tue, Thu, Sat.
  CHECK(next("0 0 * * */2", utc(2024, 1, 1)) == utc(2024, 1, 2));
  CHECK(next("0 0 * * */2", utc(2024, 1, 6)) == utc(2024, 1, 7));
}

TEST_CASE("cron: L, # and the predefined names", "[cron]") {
  CHECK(next("0 0 L * *", utc(2024, 2, 1)) == utc(2024, 2, 29));
  CHECK(next("0 0 L * *", utc(2023, 2, 1)) == utc(2023, 2, 28));
  CHECK(next("0 0 L * *", utc(2024, 4, 30)) == utc(2024, 5, 31));
  // Last Friday of January 2024 is the 26th; second Monday the 8th.
  // Any day-of-month atom with L means the last day; with a single month
  // cron-parser keeps only a bare "L".
  CHECK(next("0 5 5L * *", utc(2024, 4, 1)) == utc(2024, 4, 30, 5));
  CHECK(next("0 5 L AUG *", utc(2024, 1, 1)) == utc(2024, 8, 31, 5));
  CHECK_FALSE(spec("0 5 5L AUG *").next_after(utc(2024, 1, 1)).has_value());
  CHECK(next("0 0 * * 5L", utc(2024, 1, 1)) == utc(2024, 1, 26));
  CHECK(next("0 0 * * 1#2", utc(2024, 1, 1)) == utc(2024, 1, 8));
  CHECK(next("0 0 * * MON#2", utc(2024, 1, 8)) == utc(2024, 2, 12));
  CHECK(next("@daily", utc(2024, 1, 1, 5)) == utc(2024, 1, 2));
  CHECK(next("@hourly", utc(2024, 1, 1, 5)) == utc(2024, 1, 1, 6));
  CHECK(next("@weekly", utc(2024, 1, 1)) == utc(2024, 1, 7));
  CHECK(next("@monthly", utc(2024, 1, 1)) == utc(2024, 2, 1));
  CHECK(next("@yearly", utc(2024, 1, 1)) == utc(2025, 1, 1));
}

TEST_CASE("cron: fewer fields take the leading defaults, as cron-parser", "[cron]") {
  // Four fields are hour dom month dow: every minute of 9 o'clock.
  CHECK(next("9 * * *", utc(2024, 1, 1, 9, 10, 30)) == utc(2024, 1, 1, 9, 11));
  // One field is the day of week; blank is every minute.
  CHECK(next("5", utc(2024, 1, 1)) == utc(2024, 1, 5));
  CHECK(next("", utc(2024, 1, 1, 0, 0, 30)) == utc(2024, 1, 1, 0, 1));
  CHECK(next("  \t ", utc(2024, 1, 1, 0, 0, 30)) == utc(2024, 1, 1, 0, 1));
  CHECK(next("  */5   *  * *   * ", utc(2024, 1, 1, 0, 1)) == utc(2024, 1, 1, 0, 5));
}

TEST_CASE("cron: bad timespecs are refused with cron-parser's reason", "[cron]") {
  CHECK(error_of("* * * * * * *") ==
        "bad cron timespec \"* * * * * * *\": Invalid cron expression");
  CHECK(error_of("60 * * * *") ==
        "bad cron timespec \"60 * * * *\": Constraint error, got value 60 expected range 0-59");
  CHECK_THAT(error_of("* 24 * * *"), Catch::EndsWith("got value 24 expected range 0-23"));
  CHECK_THAT(error_of("0 0 32 * *"), Catch::EndsWith("got value 32 expected range 1-31"));
  CHECK_THAT(error_of("0 0 0 * *"), Catch::EndsWith("got value 0 expected range 1-31"));
  CHECK_THAT(error_of("0 0 * 13 *"), Catch::EndsWith("got value 13 expected range 1-12"));
  CHECK_THAT(error_of("0 0 * * 8"), Catch::EndsWith("got value 8 expected range 0-7"));
  CHECK_THAT(error_of("0-70 * * * *"),
             Catch::EndsWith("Constraint error, got range 0-70 expected range 0-59"));
  CHECK_THAT(error_of("5-1 * * * *"), Catch::EndsWith(": Invalid range: 5-1"));
  CHECK_THAT(error_of("*/0 * * * *"),
             Catch::EndsWith("Constraint error, cannot repeat at every 0 time."));
  CHECK_THAT(error_of("*/ * * * *"),
             Catch::EndsWith("Constraint error, cannot repeat at every 0 time."));
  CHECK_THAT(error_of("1,,2 * * * *"), Catch::EndsWith(": Invalid list value format"));
  CHECK_THAT(error_of("1, * * * *"), Catch::EndsWith(": Invalid list value format"));
  CHECK_THAT(error_of("1/2/3 * * * *"), Catch::EndsWith(": Invalid repeat: 1/2/3"));
  CHECK_THAT(error_of("-5 * * * *"), Catch::EndsWith("got value -5 expected range 0-59"));
  CHECK_THAT(error_of("- * * * *"), Catch::EndsWith(": Invalid range: -"));
  CHECK_THAT(error_of("a * * * *"), Catch::EndsWith(": Invalid characters, got value: a"));
  CHECK_THAT(error_of("? * * * *"), Catch::EndsWith(": Invalid characters, got value: ?"));
  CHECK_THAT(error_of("0 0 * L *"), Catch::EndsWith(": Invalid characters, got value: L"));
  CHECK_THAT(error_of("0 0 * FOO *"),
             Catch::EndsWith(": Validation error, cannot resolve alias \"foo\""));
  CHECK_THAT(error_of("0 0 * JANUARY *"),
             Catch::EndsWith(": Validation error, cannot resolve alias \"uar\""));
  CHECK_THAT(error_of("0 0 * * MONDAY"),
             Catch::EndsWith(": Validation error, cannot resolve alias \"day\""));
  CHECK_THAT(error_of("0 0 31 2 *"), Catch::EndsWith(": Invalid explicit day of month definition"));
  CHECK_THAT(error_of("0 0 30,31 FEB *"),
             Catch::EndsWith(": Invalid explicit day of month definition"));
  CHECK_THAT(error_of("0 0 * * 1#6"),
             Catch::EndsWith("Constraint error, invalid dayOfWeek occurrence number (#)"));
  CHECK_THAT(error_of("0 0 * * 1#"),
             Catch::EndsWith("Constraint error, invalid dayOfWeek occurrence number (#)"));
  CHECK_THAT(error_of("0 0 * * 1#2#3"),
             Catch::EndsWith("Constraint error, invalid dayOfWeek occurrence number (#)"));
  CHECK_THAT(error_of("0 0 * * 1,2#2"),
             Catch::EndsWith("invalid dayOfWeek `#` and `,` special characters are incompatible"));
  CHECK_THAT(error_of("0 0 * * 1-2#2"),
             Catch::EndsWith("invalid dayOfWeek `#` and `-` special characters are incompatible"));
  CHECK_THAT(error_of("0 0 * * L"),
             Catch::EndsWith(": Invalid last weekday of the month expression: L"));
  CHECK_THAT(error_of("0 0 1-L * *"),
             Catch::EndsWith("Constraint error, got range 1-NaN expected range 1-31"));
  CHECK_THAT(error_of("0 0 *,? * *"),
             Catch::EndsWith("Constraint error, got value ? expected range 1-31"));
  CHECK_THAT(error_of("@daily please"), Catch::EndsWith("cannot resolve alias \"dai\""));
  CHECK_THAT(error_of("0 0 * * \xC3\xA9"),
             Catch::EndsWith("Invalid characters, got value: \xC3\xA9"));
  CHECK_THAT(error_of(std::string("0 0\0 * * *", 10)), Catch::Contains("Invalid characters"));
}

TEST_CASE("cron: parse tolerates hostile input", "[cron]") {
  // Long garbage: refused, and the message shows only its start.
  std::string garbage(100000, 'x');
  std::string error = error_of(garbage);
  CHECK(error.size() < 300);
  CHECK_THAT(error, Catch::StartsWith("bad cron timespec \"xxx"));
  // A long list is fine.
  std::string list = "0";
  for (int i = 1; i < 5000; ++i) list += "," + std::to_string(i % 60);
  CHECK(next(list + " * * * *", utc(2024, 1, 1, 0, 0, 30)) == utc(2024, 1, 1, 0, 1));
  // A huge step keeps only the start.
  CHECK(next("5/99999999999999999999999 * * * *", utc(2024, 1, 1)) == utc(2024, 1, 1, 0, 5));
  CHECK(next("5/99999999999999999999999 * * * *", utc(2024, 1, 1, 0, 5)) == utc(2024, 1, 1, 1, 5));
  CHECK_THAT(error_of("9007199254740991 * * * *"),
             Catch::EndsWith("got value 9007199254740991 expected range 0-59"));
  // No error pointer: still refused.
  CHECK_FALSE(CronSpec::parse("nope", nullptr).has_value());
}

TEST_CASE("cron: times outside a JavaScript Date's range have no next time", "[cron]") {
  CronSpec every = spec("* * * * * *");
  CHECK_FALSE(every.next_after(std::numeric_limits<std::int64_t>::max()).has_value());
  CHECK_FALSE(every.next_after(std::numeric_limits<std::int64_t>::min()).has_value());
  CHECK_FALSE(every.next_after(8'640'000'000'000'000).has_value());
  CHECK(every.next_after(8'639'999'999'998'000) == 8'639'999'999'999'000);
}

TEST_CASE("cron: many next_after calls stay cheap", "[cron]") {
  // Not a timing test: a search that went second by second would take
  // minutes here, not milliseconds.
  CronSpec rare = spec("0 0 29 2 1");  // Feb 29 or any Monday
  CronSpec yearly = spec("0 0 0 1 1 *");
  std::int64_t t = utc(2024, 1, 1);
  std::int64_t y = t;
  for (int i = 0; i < 20000; ++i) {
    t = *rare.next_after(t);
    y = *yearly.next_after(y - 1000);
  }
  CHECK(t > utc(2024, 1, 1));
  CHECK(y == utc(2024, 1, 1));
}

// CronSpec: the timespec of `schedule ... repeat "<timespec>"`, parsed once
// and asked for its next firing time.
//
// The reference hands the string to node-schedule 2, which parses it with
// cron-parser 4 (parseExpression). This is our own implementation of the
// same syntax and semantics, including its quirks:
//   - Fields: [second] minute hour day-of-month month day-of-week. Six fields
//     at most; with fewer, the missing LEADING fields take their defaults
//     (second 0, the others `*`): "*/5 * * * *" is every five minutes, and
//     (as in the reference) "5" alone means "every minute of Fridays" and an
//     empty or blank timespec means every minute.
//   - `@yearly @monthly @weekly @daily @hourly` (the whole text, exactly).
//   - `*`, `?` (as `*`; day fields only), numbers, ranges `a-b`, steps
//     `*/n`, `a-b/n`, `a/n` (= a-max/n), lists `a,b-c,*/d`; month names
//     JAN-DEC and weekday names SUN-SAT, case-insensitive; weekday 0 and 7
//     are Sunday.
//   - Day of month `L`: the last day of the month. Day of week `dL`: the last
//     weekday d of the month; `d#n` (alone in the field): the n-th (1-5).
//   - Day of month and day of week: when both are restricted a day matches if
//     EITHER matches; when one is unrestricted only the other counts. As in
//     cron-parser, a field is "unrestricted" when it lists every value (the
//     day of month counts as such when it lists at least as many days as the
//     month has, February counted as 29).
//   - A single month with a day of month it never has ("0 0 31 2 *") is a
//     parse error, as in cron-parser.
// Deliberate differences: a day-of-week `L` atom not starting with a digit
// ("L", "L/2") is refused here; cron-parser accepts it and then throws on
// every search (so node-schedule never schedules it). A fractional `#n` is
// refused (cron-parser accepts it and never fires).
// Times are UTC (our engine's zone); the reference uses the server's local
// zone. Firing times are whole seconds.
//
// next_after() searches at most kSearchYears ahead (cron-parser gives up
// after 10,000 steps, some 27 years of day steps, so a few very rare specs,
// e.g. "0 0 * 2 1#5", fire here where it gives up) and costs O(days in the
// matching months searched): tens of ns for common specs, ~7 us for one that
// never fires. Thread-safe (const).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spime::runtime {

class CronSpec {
 public:
  static constexpr int kSearchYears = 30;

  // Parses `text`. On failure returns nullopt and, when `error` is not null,
  // sets it to: bad cron timespec "<text>": <cron-parser's reason>.
  static std::optional<CronSpec> parse(std::string_view text, std::string* error);

  // The first firing time strictly after `after_ms` (ms since the epoch,
  // UTC), in ms; nullopt when there is none within kSearchYears or outside
  // the range of a JavaScript Date (+-8.64e15 ms).
  std::optional<std::int64_t> next_after(std::int64_t after_ms) const;

 private:
  CronSpec() = default;

  bool day_matches(int month, int day, int weekday, int days_in_month) const;
  // The first second of the day >= `from` (0..86399) that matches, or -1.
  int first_time_of_day(int from) const;

  std::uint64_t seconds_ = 0;       // bit s: second s
  std::uint64_t minutes_ = 0;       // bit m: minute m
  std::uint32_t hours_ = 0;         // bit h: hour h
  std::uint32_t days_ = 0;          // bit d: day of month d (1..31)
  bool last_day_ = false;           // `L` in the day of month
  int day_count_ = 0;               // entries in the day-of-month list
  std::uint16_t months_ = 0;        // bit m: month m (1..12)
  std::uint8_t weekdays_ = 0;       // bit w: weekday w (0 = Sunday .. 6)
  std::uint8_t last_weekdays_ = 0;  // bit w: `wL`, last weekday w of the month
  int weekday_count_ = 0;           // entries in the day-of-week list
  int nth_weekday_ = 0;             // `#n`: 1..5, 0 = none

  friend class CronParser;
};

}  // namespace spime::runtime

// The `time` module, as the reference's pico-engine-core modules/time.ts:
// now, new, add, strftime.
//
// Dates are parsed as moment.js parses with moment.ISO_8601 (extended and
// basic ISO 8601: calendar, week and ordinal dates, optional time and
// offset), falling back to "<today>T<input>" and "<today, basic>T<input>" so
// a bare time such as "10:30" means today. Results print as Date#toISOString
// ("2026-11-25T12:00:00.000Z"). Formatting follows the strftime npm package
// (0.10, en_US). The engine works in UTC: the reference parses strftime's
// input in the server's local zone, which is the same on a UTC server.

#include <boost/regex.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/krl/host.h"
#include "engine/krl/stdlib/js_text.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {
namespace {

using i64 = std::int64_t;
constexpr i64 kMsPerDay = 86400000;
constexpr double kMaxTime = 8.64e15;  // the ECMAScript Date range

// ---- calendar arithmetic (proleptic Gregorian) --------------------------------

i64 floor_div(i64 a, i64 b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Days since 1970-01-01 of y-m-d (m 1..12).
i64 days_from_civil(i64 y, int m, int d) {
  y -= m <= 2;
  const i64 era = floor_div(y, 400);
  const i64 yoe = y - era * 400;
  const i64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const i64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  i64 year;
  int month;  // 1..12
  int day;    // 1..31
};

Civil civil_from_days(i64 z) {
  z += 719468;
  const i64 era = floor_div(z, 146097);
  const i64 doe = z - era * 146097;
  const i64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const i64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const i64 mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

bool is_leap(i64 y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(i64 y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// 0 = Sunday.
int weekday_of_days(i64 days) {
  return static_cast<int>(((days % 7) + 11) % 7);
}

// Days of the Monday starting ISO week 1 of `year` (the week with Jan 4).
i64 iso_week1_monday(i64 year) {
  const i64 jan4 = days_from_civil(year, 1, 4);
  return jan4 - (weekday_of_days(jan4) + 6) % 7;
}

// A broken-down UTC time.
struct Fields {
  i64 year;
  int month, day, hour, minute, second, ms, weekday;
};

Fields fields_of(double t) {
  const i64 ms_total = static_cast<i64>(t);
  const i64 days = floor_div(ms_total, kMsPerDay);
  const i64 in_day = ms_total - days * kMsPerDay;
  const Civil c = civil_from_days(days);
  return {c.year,
          c.month,
          c.day,
          static_cast<int>(in_day / 3600000),
          static_cast<int>(in_day / 60000 % 60),
          static_cast<int>(in_day / 1000 % 60),
          static_cast<int>(in_day % 1000),
          weekday_of_days(days)};
}

std::string pad(i64 n, int width) {
  std::string s = std::to_string(n < 0 ? -n : n);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

// Date#toISOString; RangeError outside the Date range, as JS.
std::string to_iso_string(double t) {
  if (!std::isfinite(t) || std::fabs(t) > kMaxTime) {
    throw KrlError("Invalid time value", "RangeError");
  }
  const Fields f = fields_of(t);
  std::string year;
  if (f.year >= 0 && f.year <= 9999) {
    year = pad(f.year, 4);
  } else {
    year = (f.year < 0 ? "-" : "+") + pad(f.year, 6);
  }
  return year + "-" + pad(f.month, 2) + "-" + pad(f.day, 2) + "T" + pad(f.hour, 2) + ":" +
         pad(f.minute, 2) + ":" + pad(f.second, 2) + "." + pad(f.ms, 3) + "Z";
}

// The host's clock when there is one (the engine's), else the system's.
double now_ms(EvalContext& ctx) {
  return static_cast<double>(ctx.host ? ctx.host->now_ms() : system_now_ms());
}

// ---- ISO 8601 parsing (moment.utc(str, moment.ISO_8601)) -----------------------

const boost::regex& extended_iso() {
  static const boost::regex re(
      R"(\A\s*((?:[+-]\d{6}|\d{4})-(?:\d\d-\d\d|W\d\d-\d|W\d\d|\d\d\d|\d\d))(?:(T| )(\d\d(?::\d\d(?::\d\d(?:[.,]\d+)?)?)?)([+-]\d\d(?::?\d\d)?|\s*Z)?)?\z)",
      boost::regex::perl | boost::regex::no_mod_m);
  return re;
}

const boost::regex& basic_iso() {
  static const boost::regex re(
      R"(\A\s*((?:[+-]\d{6}|\d{4})(?:\d\d\d\d|W\d\d\d|W\d\d|\d\d\d|\d\d|))(?:(T| )(\d\d(?:\d\d(?:\d\d(?:[.,]\d+)?)?)?)([+-]\d\d(?::?\d\d)?|\s*Z)?)?\z)",
      boost::regex::perl | boost::regex::no_mod_m);
  return re;
}

int digits(const std::string& s, size_t pos, size_t n) {
  return std::stoi(s.substr(pos, n));
}

// The date part, already shaped by the ISO regexes. Returns false when the
// fields overflow (month 13, day 32, week 54, ...). *allow_time is false for
// the reduced forms (YYYY, YYYY-MM, week without day) that take no time.
bool parse_date_part(const std::string& d, i64* days, bool* allow_time) {
  *allow_time = true;
  std::string s = d;
  i64 sign = 1;
  bool expanded = false;
  if (s[0] == '+' || s[0] == '-') {
    sign = s[0] == '-' ? -1 : 1;
    s = s.substr(1);
    expanded = true;
  }
  std::string compact;
  for (char c : s) {
    if (c != '-') compact.push_back(c);
  }
  const size_t year_len = expanded ? 6 : 4;
  if (compact.size() < year_len) return false;
  const i64 year = sign * std::stoll(compact.substr(0, year_len));
  const std::string rest = compact.substr(year_len);
  if (expanded && rest.size() != 4) return false;  // only ±YYYYYY-MM-DD is supported
  if (rest.empty()) {                              // YYYY
    *allow_time = false;
    *days = days_from_civil(year, 1, 1);
    return true;
  }
  if (rest[0] == 'W') {  // week date: W52 or W521
    const int week = digits(rest, 1, 2);
    int weekday = 1;
    if (rest.size() == 4) {
      weekday = digits(rest, 3, 1);
    } else {
      *allow_time = false;
    }
    const i64 week1 = iso_week1_monday(year);
    const i64 weeks_in_year = (iso_week1_monday(year + 1) - week1) / 7;
    if (week < 1 || week > weeks_in_year || weekday < 1 || weekday > 7) return false;
    *days = week1 + (week - 1) * 7 + (weekday - 1);
    return true;
  }
  if (rest.size() == 3) {  // ordinal date
    const int doy = digits(rest, 0, 3);
    if (doy < 1 || doy > (is_leap(year) ? 366 : 365)) return false;
    *days = days_from_civil(year, 1, 1) + doy - 1;
    return true;
  }
  const int month = digits(rest, 0, 2);
  int day = 1;
  if (rest.size() == 4) {
    day = digits(rest, 2, 2);
  } else {
    *allow_time = false;  // YYYY-MM
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
  *days = days_from_civil(year, month, day);
  return true;
}

// The time part ("10", "10:30", "103000.5", ...): milliseconds into the day,
// or false on overflow. 24:00 is the next midnight.
bool parse_time_part(const std::string& t, double* ms_of_day) {
  std::string clock;
  std::string fraction;
  bool in_fraction = false;
  for (char c : t) {
    if (c == '.' || c == ',') {
      in_fraction = true;
    } else if (in_fraction) {
      fraction.push_back(c);
    } else if (c != ':') {
      clock.push_back(c);
    }
  }
  const int hour = digits(clock, 0, 2);
  const int minute = clock.size() >= 4 ? digits(clock, 2, 2) : 0;
  const int second = clock.size() >= 6 ? digits(clock, 4, 2) : 0;
  // moment: toInt(("0." + digits) * 1000), truncated.
  const int ms = fraction.empty()
                     ? 0
                     : static_cast<int>(std::strtod(("0." + fraction).c_str(), nullptr) * 1000);
  if (hour > 24 || minute > 59 || second > 59) return false;
  if (hour == 24 && (minute != 0 || second != 0 || ms != 0)) return false;
  *ms_of_day = hour * 3600000.0 + minute * 60000.0 + second * 1000.0 + ms;
  return true;
}

// "Z", "+05", "+0530", "+05:30" (with optional spaces before Z): minutes east.
double parse_offset(const std::string& z) {
  const size_t sign_pos = z.find_first_of("+-");
  if (sign_pos == std::string::npos) return 0;
  std::string num;
  for (size_t i = sign_pos + 1; i < z.size(); ++i) {
    if (z[i] != ':') num.push_back(z[i]);
  }
  const double minutes = digits(num, 0, 2) * 60.0 + (num.size() >= 4 ? digits(num, 2, 2) : 0);
  return z[sign_pos] == '-' ? -minutes : minutes;
}

bool parse_iso(const std::string& s, double* out) {
  boost::smatch m;
  if (!boost::regex_match(s, m, extended_iso()) && !boost::regex_match(s, m, basic_iso())) {
    return false;
  }
  i64 days = 0;
  bool allow_time = true;
  if (!parse_date_part(m[1].str(), &days, &allow_time)) return false;
  double ms_of_day = 0;
  if (m[3].matched) {
    if (!allow_time) return false;
    if (!parse_time_part(m[3].str(), &ms_of_day)) return false;
  }
  const double offset_minutes = m[4].matched ? parse_offset(m[4].str()) : 0;
  const double t = static_cast<double>(days) * kMsPerDay + ms_of_day - offset_minutes * 60000;
  if (std::fabs(t) > kMaxTime) return false;
  *out = t;
  return true;
}

// The reference's newDate: ISO 8601, else a time of today (`now` says which day).
bool new_date(const std::string& text, double* out, double now) {
  if (parse_iso(text, out)) return true;
  const std::string today = to_iso_string(now).substr(0, 10);
  if (parse_iso(today + "T" + text, out)) return true;
  std::string compact;
  for (char c : today) {
    if (c != '-') compact.push_back(c);
  }
  return parse_iso(compact + "T" + text, out);
}

// Parses `date` for time:<fn>, with the reference's errors.
double date_arg(EvalContext& ctx, const char* fn, const Value& date) {
  const std::string text = to_string(date);
  double t = 0;
  if (new_date(text, &t, now_ms(ctx))) return t;
  if (date.is_string()) {
    throw KrlError(std::string(fn) + " was given an invalid date string (" + text + ")");
  }
  throw type_error(std::string(fn) + " was given " + text + " instead of a date string");
}

// ---- the module functions ----------------------------------------------------

Value time_now(EvalContext& ctx, const BoundArgs& args) {
  const Value& opts = args[0];
  if (truthy(opts) && !opts.is_map()) {
    throw type_error("time:now was given " + to_string(opts) + " instead of an opts map");
  }
  // opts.tz changes nothing visible: the reference prints in UTC regardless.
  return Value(to_iso_string(now_ms(ctx)));
}

Value time_new(EvalContext& ctx, const BoundArgs& args) {
  const Value& date = args[0];
  if (!truthy(date)) throw KrlError("time:new needs a date string");
  if (date.is_number()) {
    const double n = date.as_number();
    return Value(to_iso_string(std::isfinite(n) ? std::trunc(n) : n));
  }
  return Value(to_iso_string(date_arg(ctx, "time:new", date)));
}

// moment's normalizeUnits for the units a duration reads; "" for others.
std::string duration_unit(const std::string& key) {
  struct Alias {
    const char* unit;
    const char* shorthand;
  };
  static const Alias kUnits[] = {{"year", "y"},         {"quarter", "Q"}, {"month", "M"},
                                 {"week", "w"},         {"isoWeek", "W"}, {"day", "d"},
                                 {"hour", "h"},         {"minute", "m"},  {"second", "s"},
                                 {"millisecond", "ms"}, {"date", "D"}};
  auto lookup = [](const std::string& k) -> std::string {
    for (const auto& a : kUnits) {
      std::string lower = a.unit;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (k == a.shorthand || k == lower || k == lower + "s") return a.unit;
    }
    return "";
  };
  std::string unit = lookup(key);
  if (unit.empty()) {
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    unit = lookup(lower);
  }
  return unit;
}

// moment's absRound: halves away from zero.
double abs_round(double x) {
  return x < 0 ? -js_math_round(-x) : js_math_round(x);
}

Value time_add(EvalContext& ctx, const BoundArgs& args) {
  const Value& date = args[0];
  const Value& spec = args[1];
  if (!truthy(date)) throw KrlError("time:add needs a date string");
  if (!truthy(spec)) throw KrlError("time:add needs a spec map");
  double t = date_arg(ctx, "time:add", date);
  if (!spec.is_map()) {
    throw type_error("time:add was given " + to_string(spec) + " instead of a spec map");
  }

  // new Duration(spec): each unit `value || 0`, later aliases overwrite earlier.
  Map units;
  for (const auto& [key, value] : spec.as_map()) {
    const std::string unit = duration_unit(key);
    if (!unit.empty()) units.set(unit, value);
  }
  auto amount = [&units](const char* unit) {
    const Value* v = units.find(unit);
    return v && truthy(*v) ? js_to_number(*v) : 0.0;
  };
  const double weeks = amount("week") != 0 ? amount("week") : amount("isoWeek");
  const double ms = amount("millisecond") + amount("second") * 1e3 + amount("minute") * 6e4 +
                    amount("hour") * 1000 * 60 * 60;
  const double days = abs_round(amount("day") + weeks * 7);
  const double months = abs_round(amount("month") + amount("quarter") * 3 + amount("year") * 12);

  // moment's addSubtract: months (clamping the day), then days, then time.
  if (months != 0 && !std::isnan(months)) {
    const i64 day_number = floor_div(static_cast<i64>(t), kMsPerDay);
    const double in_day = t - static_cast<double>(day_number) * kMsPerDay;
    const Civil c = civil_from_days(day_number);
    const double total = static_cast<double>(c.year) * 12 + (c.month - 1) + months;
    if (!std::isfinite(total) || std::fabs(total) > 12.0 * 400000) {
      throw KrlError("Invalid time value", "RangeError");
    }
    const i64 total_months = static_cast<i64>(total);
    const i64 year = floor_div(total_months, 12);
    const int month = static_cast<int>(total_months - year * 12) + 1;
    const int day = std::min(c.day, days_in_month(year, month));
    t = static_cast<double>(days_from_civil(year, month, day)) * kMsPerDay + in_day;
  }
  if (days != 0 && !std::isnan(days)) t += days * kMsPerDay;
  if (ms != 0 && !std::isnan(ms)) t = std::trunc(t + ms);
  return Value(to_iso_string(t));
}

// ---- strftime (npm strftime 0.10, en_US, UTC) ---------------------------------

const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                             "Thursday", "Friday", "Saturday"};
const char* const kShortDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};
const char* const kShortMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// strftime's padTill2: numbers above 9 as is, else one padding character.
std::string pad2(i64 n, const std::string* padding) {
  if ((padding && padding->empty()) || n > 9) return std::to_string(n);
  return (padding ? *padding : std::string("0")) + std::to_string(n);
}
std::string pad2(i64 n, const std::string* padding, const char* fallback) {
  const std::string f = fallback;
  return pad2(n, padding ? padding : &f);
}
std::string pad3(i64 n) {
  if (n > 99) return std::to_string(n);
  if (n > 9) return "0" + std::to_string(n);
  return "00" + std::to_string(n);
}

int hours12(int hour) {
  return hour == 0 ? 12 : hour > 12 ? hour - 12 : hour;
}

i64 week_number(const Fields& f, bool monday_first) {
  int weekday = f.weekday;
  if (monday_first) weekday = weekday == 0 ? 6 : weekday - 1;
  const i64 yday = days_from_civil(f.year, f.month, f.day) - days_from_civil(f.year, 1, 1);
  return floor_div(yday + 7 - weekday, 7);
}

class Strftime {
 public:
  Strftime(double t, size_t max_bytes) : t_(t), f_(fields_of(t)), max_bytes_(max_bytes) {}

  std::string format(const std::string& fmt) {
    std::string out;
    const std::string* padding = nullptr;
    std::string padding_value;
    bool in_scope = false;
    bool extended_tz = false;
    for (char c : fmt) {
      if (out.size() > max_bytes_) {
        throw KrlError("time:strftime result exceeds max_string_bytes (" +
                       std::to_string(max_bytes_) + " bytes)");
      }
      if (!in_scope) {
        if (c == '%') {
          in_scope = true;
        } else {
          out.push_back(c);
        }
        continue;
      }
      if (c == '-' || c == '_' || c == '0') {
        padding_value = c == '-' ? "" : c == '_' ? " " : "0";
        padding = &padding_value;
        continue;
      }
      if (c == ':') {
        extended_tz = true;
        continue;
      }
      out += conversion(c, padding, extended_tz);
      padding = nullptr;
      in_scope = false;
    }
    return out;
  }

 private:
  std::string conversion(char c, const std::string* padding, bool extended_tz) {
    const Fields& f = f_;
    switch (c) {
      case '%':
        return "%";
      case 'A':
        return kDays[f.weekday];
      case 'B':
        return kMonths[f.month - 1];
      case 'C':
        return pad2(floor_div(f.year, 100), padding);
      case 'D':
        return nested("%m/%d/%y");
      case 'F':
        return nested("%Y-%m-%d");
      case 'H':
        return pad2(f.hour, padding);
      case 'I':
        return pad2(hours12(f.hour), padding);
      case 'L':
        return pad3(static_cast<i64>(std::floor(std::fmod(t_, 1000))));
      case 'M':
        return pad2(f.minute, padding);
      case 'P':
        return f.hour < 12 ? "am" : "pm";
      case 'R':
        return nested("%H:%M");
      case 'S':
        return pad2(f.second, padding);
      case 'T':
        return nested("%H:%M:%S");
      case 'U':
        return pad2(week_number(f, false), padding);
      case 'W':
        return pad2(week_number(f, true), padding);
      case 'X':
        return nested("%r");
      case 'Y':
        return std::to_string(f.year);
      case 'Z':
        return "Coordinated Universal Time";
      case 'a':
        return kShortDays[f.weekday];
      case 'b':
      case 'h':
        return kShortMonths[f.month - 1];
      case 'c':
        return nested("%a %d %b %Y %X %Z");
      case 'd':
        return pad2(f.day, padding);
      case 'e':
        return pad2(f.day, padding, " ");
      case 'j': {
        const double jan1 = static_cast<double>(days_from_civil(f.year, 1, 1)) * kMsPerDay;
        return pad3(static_cast<i64>(std::ceil((t_ - jan1) / kMsPerDay)));
      }
      case 'k':
        return pad2(f.hour, padding, " ");
      case 'l':
        return pad2(hours12(f.hour), padding, " ");
      case 'm':
        return pad2(f.month, padding);
      case 'n':
        return "\n";
      case 'o':
        return std::to_string(f.day) + ordinal_suffix(f.day);
      case 'p':
        return f.hour < 12 ? "AM" : "PM";
      case 'r':
        return nested("%I:%M:%S %p");
      case 's':
        return std::to_string(static_cast<i64>(std::floor(t_ / 1000)));
      case 't':
        return "\t";
      case 'u':
        return std::to_string(f.weekday == 0 ? 7 : f.weekday);
      case 'v':
        return nested("%e-%b-%Y");
      case 'w':
        return std::to_string(f.weekday);
      case 'x':
        return nested("%D");
      case 'y': {
        const std::string year = std::to_string(f.year);
        return year.size() > 2 ? year.substr(2) : "";
      }
      case 'z':
        return extended_tz ? "+00:00" : "+0000";
      default:
        return std::string("%") + c;
    }
  }

  std::string nested(const std::string& fmt) { return Strftime(t_, max_bytes_).format(fmt); }

  static const char* ordinal_suffix(int day) {
    static const char* const kSuffixes[] = {"st", "nd", "rd", "th", "th", "th", "th", "th",
                                            "th", "th", "th", "th", "th", "th", "th", "th",
                                            "th", "th", "th", "th", "st", "nd", "rd", "th",
                                            "th", "th", "th", "th", "th", "th", "st"};
    return kSuffixes[day - 1];
  }

  double t_;
  Fields f_;
  size_t max_bytes_;
};

Value time_strftime(EvalContext& ctx, const BoundArgs& args) {
  const Value& date = args[0];
  const Value& fmt = args[1];
  if (!truthy(date)) throw KrlError("time:strftime needs a date string");
  if (!truthy(fmt)) throw KrlError("time:strftime needs a fmt string");
  const double t = date_arg(ctx, "time:strftime", date);
  if (!fmt.is_string()) {
    throw type_error("time:strftime was given " + to_string(fmt) + " instead of a fmt string");
  }
  std::string out = Strftime(t, ctx.limits.max_string_bytes).format(fmt.as_string());
  if (out.size() > ctx.limits.max_string_bytes) {
    throw KrlError("time:strftime result exceeds max_string_bytes (" +
                   std::to_string(ctx.limits.max_string_bytes) + " bytes)");
  }
  return Value(std::move(out));
}

}  // namespace

const Module& time_module() {
  static const Module kTime{"time",
                            {
                                {"now", {"opts"}, time_now},
                                {"new", {"date"}, time_new},
                                {"add", {"date", "spec"}, time_add},
                                {"strftime", {"date", "fmt"}, time_strftime},
                            }};
  return kTime;
}

}  // namespace spime::krl::stdlib

namespace spime::krl::stdlib {

bool parse_time(const std::string& text, double* ms_since_epoch, double now_ms) {
  return new_date(text, ms_since_epoch, now_ms);
}

std::string iso_time(double ms_since_epoch) {
  return to_iso_string(ms_since_epoch);
}

}  // namespace spime::krl::stdlib

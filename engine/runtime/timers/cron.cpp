#include "engine/runtime/timers/cron.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

namespace spime::runtime {

namespace {

enum class FieldKind { kPlain, kDayOfMonth, kMonth, kDayOfWeek };

struct FieldDef {
  int min;
  int max;
  FieldKind kind;
  const char* default_value;
};

// In the order of a six-field expression.
constexpr FieldDef kFields[6] = {
    {0, 59, FieldKind::kPlain, "0"}, {0, 59, FieldKind::kPlain, "*"},
    {0, 23, FieldKind::kPlain, "*"}, {1, 31, FieldKind::kDayOfMonth, "*"},
    {1, 12, FieldKind::kMonth, "*"}, {0, 7, FieldKind::kDayOfWeek, "*"},
};
enum { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };

// cron-parser's table: February counts 29 days.
constexpr int kMaxDaysInMonth[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct ParseError {
  std::string why;
};

// JavaScript's unary + on the strings that can reach it here (the field has
// passed the character check, so only digits and signs matter): "" is 0.
double js_number(const std::string& s) {
  if (s.empty()) return 0;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return kNaN;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return kNaN;
  }
  return std::strtod(s.c_str(), nullptr);
}

// JavaScript's String(number), for the integers in error messages.
std::string js_string(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  if (x == std::floor(x) && std::fabs(x) < 1e21) {
    std::snprintf(buf, sizeof buf, "%.0f", x == 0 ? 0.0 : x);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", x);
  }
  return buf;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) break;
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(s.substr(start));
  return parts;
}

void replace_all(std::string& s, char what, const std::string& with) {
  std::string out;
  for (char c : s) {
    if (c == what) {
      out += with;
    } else {
      out += c;
    }
  }
  s = std::move(out);
}

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// /[a-z]{3}/gi replaced by the alias's number; an unknown one is an error.
std::string replace_aliases(const std::string& value, FieldKind kind) {
  static const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char* const kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    if (i + 3 <= value.size() && is_ascii_letter(value[i]) && is_ascii_letter(value[i + 1]) &&
        is_ascii_letter(value[i + 2])) {
      std::string word;
      for (size_t j = i; j < i + 3; ++j) {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(value[j])));
      }
      int number = -1;
      if (kind == FieldKind::kMonth) {
        for (int m = 0; m < 12; ++m) {
          if (word == kMonths[m]) number = m + 1;
        }
      } else {
        for (int w = 0; w < 7; ++w) {
          if (word == kWeekdays[w]) number = w;
        }
      }
      if (number < 0) throw ParseError{"Validation error, cannot resolve alias \"" + word + "\""};
      out += std::to_string(number);
      i += 3;
    } else {
      out += value[i++];
    }
  }
  return out;
}

bool has_valid_characters(const std::string& value, FieldKind kind) {
  if (value.empty()) return false;
  for (char c : value) {
    bool ok =
        std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == '*' || c == '/' || c == '-';
    if (kind == FieldKind::kDayOfMonth || kind == FieldKind::kDayOfWeek) {
      ok = ok || c == '?' || c == 'L';
    }
    if (kind == FieldKind::kDayOfWeek) ok = ok || c == '#';
    if (!ok) return false;
  }
  return true;
}

// What cron-parser's parseRange returns: a list (from a range), a number or
// a string (an atom that is not a number, such as "L" or "5L").
struct Atom {
  bool is_list = false;
  std::vector<int> list;
  bool is_string = false;
  std::string text;
  double number = 0;
};

// One field's values: numbers, and the atoms containing `L` (day fields).
struct FieldValues {
  std::vector<int> numbers;
  std::vector<std::string> last_atoms;
  size_t count() const { return numbers.size() + last_atoms.size(); }
};

class FieldParser {
 public:
  explicit FieldParser(const FieldDef& def) : def_(def) {}

  // `value` has passed the alias replacement and character check.
  FieldValues parse(std::string value) {
    std::string range = std::to_string(def_.min) + "-" + std::to_string(def_.max);
    if (value.find('*') != std::string::npos) {
      replace_all(value, '*', range);
    } else if (value.find('?') != std::string::npos) {
      replace_all(value, '?', range);
    }
    std::vector<std::string> atoms = split(value, ',');
    for (const std::string& atom : atoms) {
      if (atom.empty()) throw ParseError{"Invalid list value format"};
    }
    FieldValues values;
    for (const std::string& atom : atoms) add(parse_repeat(atom), values);
    return values;
  }

 private:
  bool is_day_field() const {
    return def_.kind == FieldKind::kDayOfMonth || def_.kind == FieldKind::kDayOfWeek;
  }

  std::string expected() const {
    return " expected range " + std::to_string(def_.min) + "-" + std::to_string(def_.max);
  }

  void add(const Atom& atom, FieldValues& values) const {
    if (atom.is_list) {
      values.numbers.insert(values.numbers.end(), atom.list.begin(), atom.list.end());
      return;
    }
    if (atom.is_string && is_day_field() && atom.text.find('L') != std::string::npos) {
      values.last_atoms.push_back(atom.text);
      return;
    }
    double number = atom.is_string ? js_number(atom.text) : atom.number;
    if (std::isnan(number) || number < def_.min || number > def_.max) {
      std::string shown = atom.is_string ? atom.text : js_string(atom.number);
      throw ParseError{"Constraint error, got value " + shown + expected()};
    }
    int n = static_cast<int>(number);
    if (def_.kind == FieldKind::kDayOfWeek) n %= 7;
    values.numbers.push_back(n);
  }

  Atom parse_repeat(const std::string& value) const {
    std::vector<std::string> parts = split(value, '/');
    if (parts.size() > 2) throw ParseError{"Invalid repeat: " + value};
    if (parts.size() == 2) {
      // `a/n` (a a number, "" included, as JavaScript's == has it) is a-max/n.
      if (!std::isnan(js_number(parts[0]))) parts[0] += "-" + std::to_string(def_.max);
      return parse_range(parts[0], js_number(parts[1]));
    }
    return parse_range(value, 1);
  }

  Atom parse_range(const std::string& value, double step) const {
    Atom atom;
    std::vector<std::string> parts = split(value, '-');
    if (parts.size() == 1) {
      double number = js_number(value);
      if (std::isnan(number)) {
        atom.is_string = true;
        atom.text = value;
      } else {
        atom.number = number;
      }
      return atom;
    }
    if (parts[0].empty()) {
      if (parts[1].empty()) throw ParseError{"Invalid range: " + value};
      atom.number = js_number(value);  // "-5": a negative number, refused later
      return atom;
    }
    // Like cron-parser, parts after the second are ignored.
    double min = js_number(parts[0]);
    double max = js_number(parts[1]);
    if (std::isnan(min) || std::isnan(max) || min < def_.min || max > def_.max) {
      throw ParseError{"Constraint error, got range " + js_string(min) + "-" + js_string(max) +
                       expected()};
    }
    if (min > max) throw ParseError{"Invalid range: " + value};
    if (std::isnan(step) || step <= 0) {
      throw ParseError{"Constraint error, cannot repeat at every " + js_string(step) + " time."};
    }
    // cron-parser's loop, kept as is: a range of weekdays ending on 7 (or 0)
    // starts with Sunday as 0, and that 0 counts in the step from 0.
    atom.is_list = true;
    if (def_.kind == FieldKind::kDayOfWeek && static_cast<int>(max) % 7 == 0) {
      atom.list.push_back(0);
    }
    double counter = step;
    for (int index = static_cast<int>(min); index <= static_cast<int>(max); ++index) {
      bool exists = index == 0 && !atom.list.empty() && atom.list[0] == 0;
      if (!exists && std::fmod(counter, step) == 0) {
        counter = 1;
        atom.list.push_back(index);
      } else {
        counter += 1;
      }
    }
    return atom;
  }

  const FieldDef& def_;
};

// cron-parser's parseNthDay: `d#n` in the day of week. Returns the field
// without `#n` and sets *nth.
std::string take_nth_weekday(const std::string& value, int* nth) {
  if (value.find('#') == std::string::npos) return value;
  std::vector<std::string> parts = split(value, '#');
  if (value.find(',') != std::string::npos) {
    throw ParseError{
        "Constraint error, invalid dayOfWeek `#` and `,` special characters are incompatible"};
  }
  if (value.find('/') != std::string::npos) {
    throw ParseError{
        "Constraint error, invalid dayOfWeek `#` and `/` special characters are incompatible"};
  }
  if (value.find('-') != std::string::npos) {
    throw ParseError{
        "Constraint error, invalid dayOfWeek `#` and `-` special characters are incompatible"};
  }
  double n = js_number(parts.back());
  // cron-parser accepts a fractional n that then never matches; refuse it.
  if (parts.size() > 2 || std::isnan(n) || n < 1 || n > 5 || n != std::floor(n)) {
    throw ParseError{"Constraint error, invalid dayOfWeek occurrence number (#)"};
  }
  *nth = static_cast<int>(n);
  return parts[0];
}

FieldValues parse_field(int index, const std::string& text, int* nth) {
  const FieldDef& def = kFields[index];
  std::string value = text;
  if (def.kind == FieldKind::kDayOfWeek) value = take_nth_weekday(value, nth);
  if (def.kind == FieldKind::kMonth || def.kind == FieldKind::kDayOfWeek) {
    value = replace_aliases(value, def.kind);
  }
  if (!has_valid_characters(value, def.kind)) {
    throw ParseError{"Invalid characters, got value: " + value};
  }
  return FieldParser(def).parse(value);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::vector<std::string> split_fields(std::string_view text) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) fields.emplace_back(text.substr(start, i - start));
  }
  return fields;
}

std::string_view predefined(std::string_view text) {
  if (text == "@yearly") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return text;
}

template <typename Mask>
Mask mask_of(const std::vector<int>& numbers) {
  Mask mask = 0;
  for (int n : numbers) mask |= static_cast<Mask>(Mask{1} << n);
  return mask;
}

// Days since 1970-01-01 -> proleptic Gregorian date (H. Hinnant).
void civil_from_days(std::int64_t z, std::int64_t* y, int* m, int* d) {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int days_in_month(std::int64_t y, int m) {
  if (m != 2) return kMaxDaysInMonth[m - 1];
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return leap ? 29 : 28;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The lowest set bit of `mask` at or above `from`, or -1.
int next_bit(std::uint64_t mask, int from) {
  if (from >= 64) return -1;
  std::uint64_t rest = mask >> from;
  return rest == 0 ? -1 : from + __builtin_ctzll(rest);
}

// A JavaScript Date's range.
constexpr std::int64_t kMaxDateMs = 8'640'000'000'000'000;

}  // namespace

class CronParser {
 public:
  static CronSpec build(std::string_view text) {
    std::vector<std::string> atoms = split_fields(predefined(text));
    if (atoms.size() > 6) throw ParseError{"Invalid cron expression"};
    size_t start = 6 - atoms.size();
    FieldValues fields[6];
    int nth = 0;
    for (size_t i = 0; i < 6; ++i) {
      const std::string& given = i < start ? std::string() : atoms[i - start];
      fields[i] =
          parse_field(static_cast<int>(i), given.empty() ? kFields[i].default_value : given, &nth);
    }

    // A single month: its day of month must exist, and days past its end go.
    FieldValues& days = fields[kDayOfMonth];
    if (fields[kMonth].count() == 1) {
      int month_days = kMaxDaysInMonth[fields[kMonth].numbers[0] - 1];
      if (!days.numbers.empty()) {
        int smallest = days.numbers[0];
        for (int d : days.numbers) smallest = d < smallest ? d : smallest;
        if (smallest > month_days) throw ParseError{"Invalid explicit day of month definition"};
      }
      std::vector<int> kept;
      for (int d : days.numbers) {
        if (d <= month_days) kept.push_back(d);
      }
      days.numbers = std::move(kept);
      // cron-parser's filter compares the atoms as numbers: only a bare "L" stays.
      std::vector<std::string> kept_last;
      for (const std::string& atom : days.last_atoms) {
        if (atom == "L") kept_last.push_back(atom);
      }
      days.last_atoms = std::move(kept_last);
    }

    CronSpec spec;
    spec.seconds_ = mask_of<std::uint64_t>(fields[kSecond].numbers);
    spec.minutes_ = mask_of<std::uint64_t>(fields[kMinute].numbers);
    spec.hours_ = mask_of<std::uint32_t>(fields[kHour].numbers);
    spec.days_ = mask_of<std::uint32_t>(days.numbers);
    spec.last_day_ = !days.last_atoms.empty();
    spec.day_count_ = static_cast<int>(days.count());
    spec.months_ = mask_of<std::uint16_t>(fields[kMonth].numbers);
    const FieldValues& weekdays = fields[kDayOfWeek];
    for (int w : weekdays.numbers) spec.weekdays_ |= static_cast<std::uint8_t>(1u << (w % 7));
    for (const std::string& atom : weekdays.last_atoms) {
      // cron-parser reads the weekday of `dL` from its first character (and
      // throws when searching if that is not a digit).
      if (!std::isdigit(static_cast<unsigned char>(atom[0]))) {
        throw ParseError{"Invalid last weekday of the month expression: " + atom};
      }
      spec.last_weekdays_ |= static_cast<std::uint8_t>(1u << ((atom[0] - '0') % 7));
    }
    spec.weekday_count_ = static_cast<int>(weekdays.count());
    spec.nth_weekday_ = nth;
    return spec;
  }
};

std::optional<CronSpec> CronSpec::parse(std::string_view text, std::string* error) {
  try {
    return CronParser::build(text);
  } catch (const ParseError& e) {
    if (error != nullptr) {
      // Keep the message readable when the text is long garbage.
      constexpr size_t kShown = 100;
      std::string shown(text.substr(0, kShown));
      if (text.size() > kShown) shown += "...";
      *error = "bad cron timespec \"" + shown + "\": " + e.why;
    }
    return std::nullopt;
  }
}

bool CronSpec::day_matches(int month, int day, int weekday, int days_in_month) const {
  bool day_match = ((days_ >> day) & 1u) || (last_day_ && day == days_in_month);
  bool weekday_match = ((weekdays_ >> weekday) & 1u) ||
                       (((last_weekdays_ >> weekday) & 1u) && day + 7 > days_in_month);
  bool any_day = day_count_ >= kMaxDaysInMonth[month - 1];
  bool any_weekday = weekday_count_ == 8;
  bool match = any_weekday ? day_match : any_day ? weekday_match : (day_match || weekday_match);
  if (match && nth_weekday_ != 0) match = (day - 1) / 7 + 1 == nth_weekday_;
  return match;
}

int CronSpec::first_time_of_day(int from) const {
  int h0 = from / 3600;
  int m0 = from / 60 % 60;
  int s0 = from % 60;
  for (int h = next_bit(hours_, h0); h >= 0; h = next_bit(hours_, h + 1)) {
    for (int m = next_bit(minutes_, h == h0 ? m0 : 0); m >= 0; m = next_bit(minutes_, m + 1)) {
      int s = next_bit(seconds_, h == h0 && m == m0 ? s0 : 0);
      if (s >= 0) return h * 3600 + m * 60 + s;
    }
  }
  return -1;
}

std::optional<std::int64_t> CronSpec::next_after(std::int64_t after_ms) const {
  if (after_ms < -kMaxDateMs || after_ms >= kMaxDateMs) return std::nullopt;
  if (seconds_ == 0 || minutes_ == 0 || hours_ == 0 || months_ == 0) return std::nullopt;

  std::int64_t first_second = floor_div(after_ms, 1000) + 1;  // whole seconds, strictly after
  std::int64_t day = floor_div(first_second, 86400);
  int from = static_cast<int>(first_second - day * 86400);
  const std::int64_t last_day = day + std::int64_t{kSearchYears} * 366;

  std::int64_t year;
  int month, dom;
  civil_from_days(day, &year, &month, &dom);
  while (day <= last_day) {
    int month_days = days_in_month(year, month);
    if ((months_ >> month) & 1u) {
      // 1970-01-01 was a Thursday (4).
      int weekday = static_cast<int>(((day % 7) + 7 + 4) % 7);
      for (; dom <= month_days; ++dom, ++day, weekday = (weekday + 1) % 7, from = 0) {
        if (!day_matches(month, dom, weekday, month_days)) continue;
        int time = first_time_of_day(from);
        if (time < 0) continue;
        std::int64_t ms = (day * 86400 + time) * 1000;
        if (ms > kMaxDateMs) return std::nullopt;
        return ms;
      }
    } else {
      day += month_days - dom + 1;
    }
    from = 0;
    dom = 1;
    if (++month > 12) {
      month = 1;
      ++year;
    }
  }
  return std::nullopt;
}

}  // namespace spime::runtime

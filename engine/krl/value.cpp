// KRL values: Value, Map, and the conversions shared by the evaluator and the
// standard library (see value.h). JSON lives in json.cpp.
#include "engine/krl/value.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "engine/krl/callable.h"
#include "engine/krl/error.h"

namespace spime::krl {

namespace {

// Deepest nesting equal() walks before giving up (values are acyclic, but a
// loop can build a very deep one; this keeps the C++ stack bounded).
constexpr int kMaxCompareDepth = 2000;

// A canonical array index as JavaScript orders object keys: "0" or a decimal
// without leading zeros, at most 2^32 - 2.
bool is_array_index(std::string_view k) {
  if (k.empty() || k.size() > 10) return false;
  if (k[0] == '0') return k.size() == 1;
  std::uint64_t n = 0;
  for (char c : k) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n <= 4294967294ull;
}

// Numeric order of two canonical indices: shorter is smaller, then by digits.
bool index_less(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

// ---- Map -------------------------------------------------------------------

// The lazy hash index: open addressing over positions in entries_. It holds
// positions, not pointers, so it survives the entries vector reallocating.
namespace {

constexpr size_t kIndexThreshold = 8;
constexpr std::uint32_t kEmptySlot = 0xffffffffu;

struct MapIndex {
  std::vector<std::uint32_t> slots;  // size is a power of two
  size_t used = 0;

  size_t mask() const { return slots.size() - 1; }
};

size_t hash_key(std::string_view k) {
  return std::hash<std::string_view>{}(k);
}

std::shared_ptr<MapIndex> build_index(const std::vector<Map::Entry>& entries) {
  auto idx = std::make_shared<MapIndex>();
  size_t cap = 16;
  while (cap < entries.size() * 2 + 2) cap <<= 1;
  idx->slots.assign(cap, kEmptySlot);
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t s = hash_key(entries[i].first) & idx->mask();
    while (idx->slots[s] != kEmptySlot) s = (s + 1) & idx->mask();
    idx->slots[s] = static_cast<std::uint32_t>(i);
  }
  idx->used = entries.size();
  return idx;
}

}  // namespace

Map::Map(std::initializer_list<Entry> entries) {
  entries_.reserve(entries.size());
  for (const auto& e : entries) set(e.first, e.second);
}

const Value* Map::find(std::string_view key) const {
  if (entries_.size() <= kIndexThreshold) {
    for (const auto& e : entries_) {
      if (e.first == key) return &e.second;
    }
    return nullptr;
  }
  // A shared const Map may be read by many threads: publish the index atomically
  // (two threads may both build one; either is correct).
  auto raw = std::atomic_load(&index_);
  auto idx = std::static_pointer_cast<MapIndex>(raw);
  if (!idx) {
    idx = build_index(entries_);
    std::atomic_store(&index_, std::static_pointer_cast<void>(idx));
  }
  size_t s = hash_key(key) & idx->mask();
  while (idx->slots[s] != kEmptySlot) {
    const Entry& e = entries_[idx->slots[s]];
    if (e.first == key) return &e.second;
    s = (s + 1) & idx->mask();
  }
  return nullptr;
}

void Map::set(std::string key, Value value) {
  // An index shared with a copy of this map must not be modified here.
  if (index_ && index_.use_count() > 1) invalidate_index();
  if (const Value* existing = find(key)) {
    const_cast<Value&>(*existing) = std::move(value);
    return;
  }
  if (is_array_index(key)) {
    // Integer-like keys sit before all others, in ascending numeric order.
    size_t end = 0;
    while (end < entries_.size() && is_array_index(entries_[end].first)) ++end;
    auto first = entries_.begin();
    auto pos = std::upper_bound(
        first, first + static_cast<std::ptrdiff_t>(end), key,
        [](const std::string& k, const Entry& e) { return index_less(k, e.first); });
    if (pos != entries_.end()) {
      entries_.insert(pos, Entry(std::move(key), std::move(value)));
      invalidate_index();  // positions after it shifted
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
  if (index_) {
    auto idx = std::static_pointer_cast<MapIndex>(index_);
    if ((idx->used + 1) * 2 > idx->slots.size()) {
      invalidate_index();  // rebuilt at a larger size on the next lookup
    } else {
      size_t s = hash_key(entries_.back().first) & idx->mask();
      while (idx->slots[s] != kEmptySlot) s = (s + 1) & idx->mask();
      idx->slots[s] = static_cast<std::uint32_t>(entries_.size() - 1);
      ++idx->used;
    }
  }
}

bool Map::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      invalidate_index();
      return true;
    }
  }
  return false;
}

// ---- Value -----------------------------------------------------------------

Value::Value(double n) {
  if (!std::isnan(n)) v_ = n;
}

Value::Value(Map m) : v_(std::make_shared<const Map>(std::move(m))) {}

bool Value::is_same_object(const Value& other) const {
  if (v_.index() != other.v_.index()) return false;
  switch (v_.index()) {
    case 1:
      return as_bool() == other.as_bool();
    case 2:
      return as_number() == other.as_number();
    case 3:
      return std::get<3>(v_) == std::get<3>(other.v_);
    case 4:
      return std::get<4>(v_) == std::get<4>(other.v_);
    case 5:
      return std::get<5>(v_) == std::get<5>(other.v_);
    case 6:
      return std::get<6>(v_) == std::get<6>(other.v_);
    case 7:
      return std::get<7>(v_) == std::get<7>(other.v_);
    default:
      return true;  // null, undefined
  }
}

Type Value::type() const {
  switch (v_.index()) {
    case 0:
      return Type::Null;
    case 1:
      return Type::Boolean;
    case 2:
      return Type::Number;
    case 3:
      return Type::String;
    case 4:
      return Type::Array;
    case 5:
      return Type::Map;
    case 6:
      return Type::RegExp;
    case 8:
      return Type::Null;  // undefined
    default:
      switch (as_function().kind()) {
        case Function::Kind::Function:
          return Type::Function;
        case Function::Kind::Action:
          return Type::Action;
        case Function::Kind::ActionFunction:
          return Type::ActionFunction;
      }
  }
  return Type::Null;
}

bool Value::is_function() const {
  return is_callable() && as_function().kind() != Function::Kind::Action;
}

bool Value::is_action() const {
  return is_callable() && as_function().kind() != Function::Kind::Function;
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Null:
      return "Null";
    case Type::Boolean:
      return "Boolean";
    case Type::Number:
      return "Number";
    case Type::String:
      return "String";
    case Type::Array:
      return "Array";
    case Type::Map:
      return "Map";
    case Type::RegExp:
      return "RegExp";
    case Type::Function:
      return "Function";
    case Type::Action:
      return "Action";
    case Type::ActionFunction:
      return "ActionFunction";
  }
  return "Null";
}

// ---- number_to_string --------------------------------------------------------

std::string number_to_string(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == 0) return "0";  // also -0, as JS prints it
  // Shortest round-trip digits, then laid out by ECMAScript's Number::toString.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, n, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  std::string out;
  if (s[0] == '-') {
    out += '-';
    s.remove_prefix(1);
  }
  size_t epos = s.find('e');
  std::string digits(1, s[0]);
  if (epos > 1 && s[1] == '.') digits.append(s.substr(2, epos - 2));
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string_view es = s.substr(epos + 1);
  bool eneg = es[0] == '-';
  if (es[0] == '-' || es[0] == '+') es.remove_prefix(1);
  int e10 = 0;
  std::from_chars(es.data(), es.data() + es.size(), e10);
  if (eneg) e10 = -e10;

  const int k = static_cast<int>(digits.size());
  const int pos = e10 + 1;  // the decimal point sits after `pos` digits
  if (k <= pos && pos <= 21) {
    out += digits;
    out.append(static_cast<size_t>(pos - k), '0');
  } else if (0 < pos && pos <= 21) {
    out.append(digits, 0, static_cast<size_t>(pos));
    out += '.';
    out.append(digits, static_cast<size_t>(pos), std::string::npos);
  } else if (-6 < pos && pos <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-pos), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    out += (pos - 1) < 0 ? '-' : '+';
    out += std::to_string(std::abs(pos - 1));
  }
  return out;
}

// ---- to_string, truthy -------------------------------------------------------

namespace {

bool is_hex_string(const std::string& s) {
  // The reference's isHex: /^0x[A-F0-9]+$/i
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  for (size_t i = 2; i < s.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

}  // namespace

std::string to_string(const Value& v) {
  switch (v.type()) {
    case Type::Null:
      return "null";
    case Type::Boolean:
      return v.as_bool() ? "true" : "false";
    case Type::Number:
      // The reference's typeOf calls a non-finite number "JSObject".
      if (!std::isfinite(v.as_number())) return "[JSObject]";
      return number_to_string(v.as_number());
    case Type::String:
      return v.as_string();
    case Type::RegExp: {
      const RegExp& r = v.as_regexp();
      std::string s = "re#" + r.source + "#";
      if (r.global) s += 'g';
      if (r.ignore_case) s += 'i';
      return s;
    }
    case Type::Array:
      return "[Array]";
    case Type::Map:
      return "[Map]";
    case Type::Function:
      return "[Function]";
    case Type::Action:
      return "[Action]";
    case Type::ActionFunction:
      return "[ActionFunction]";
  }
  return "null";
}

bool truthy(const Value& v) {
  switch (v.type()) {
    case Type::Null:
      return false;
    case Type::Boolean:
      return v.as_bool();
    case Type::Number:
      return v.as_number() != 0;
    case Type::String:
      return !v.as_string().empty();
    default:
      return true;
  }
}

// ---- equal -------------------------------------------------------------------

namespace {

bool equal_at(const Value& a, const Value& b, int depth) {
  if (depth > kMaxCompareDepth) throw KrlError("value nested too deeply to compare");
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::Null:
      return true;
    case Type::Boolean:
      return a.as_bool() == b.as_bool();
    case Type::Number:
      return a.as_number() == b.as_number();
    case Type::String:
      return a.string_ptr() == b.string_ptr() || a.as_string() == b.as_string();
    case Type::RegExp:
      return a.as_regexp().source == b.as_regexp().source &&
             a.as_regexp().global == b.as_regexp().global &&
             a.as_regexp().ignore_case == b.as_regexp().ignore_case;
    case Type::Array: {
      if (a.array_ptr() == b.array_ptr()) return true;
      const Array& x = a.as_array();
      const Array& y = b.as_array();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equal_at(x[i], y[i], depth + 1)) return false;
      }
      return true;
    }
    case Type::Map: {
      if (a.map_ptr() == b.map_ptr()) return true;
      const Map& x = a.as_map();
      const Map& y = b.as_map();
      if (x.size() != y.size()) return false;
      // Key order does not matter (lodash isEqual).
      for (const auto& [k, xv] : x) {
        const Value* yv = y.find(k);
        if (!yv || !equal_at(xv, *yv, depth + 1)) return false;
      }
      return true;
    }
    default:  // functions and actions: by identity
      return a.function_ptr() == b.function_ptr();
  }
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  return equal_at(a, b, 0);
}

// ---- to_number ---------------------------------------------------------------

namespace {

// Length of the JS white space or line terminator at s[i] (UTF-8), or 0.
size_t js_space_at(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') return 1;
  auto at = [&](size_t j) { return j < s.size() ? static_cast<unsigned char>(s[j]) : 0; };
  if (c == 0xC2 && at(i + 1) == 0xA0) return 2;                       // U+00A0
  if (c == 0xE1 && at(i + 1) == 0x9A && at(i + 2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && at(i + 1) == 0x80) {
    unsigned char d = at(i + 2);
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && at(i + 1) == 0x81 && at(i + 2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && at(i + 1) == 0x80 && at(i + 2) == 0x80) return 3;  // U+3000
  if (c == 0xEF && at(i + 1) == 0xBB && at(i + 2) == 0xBF) return 3;  // U+FEFF
  return 0;
}

std::string_view js_trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    size_t n = js_space_at(s, b);
    if (!n) break;
    b += n;
  }
  s.remove_prefix(b);
  // Trailing: walk forward remembering where the last run of space began.
  size_t i = 0, end = s.size(), run = std::string::npos;
  while (i < s.size()) {
    size_t n = js_space_at(s, i);
    if (n) {
      if (run == std::string::npos) run = i;
      i += n;
    } else {
      run = std::string::npos;
      ++i;
    }
  }
  if (run != std::string::npos) end = run;
  return s.substr(0, end);
}

// Digits of `s` in `base` (all already validated), as parseInt does.
double parse_radix(std::string_view s, int base) {
  double n = 0;
  for (char c : s) {
    int d =
        (c >= '0' && c <= '9') ? c - '0' : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    n = n * base + d;
  }
  return n;
}

bool all_digits_in(std::string_view s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      d = std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
  }
  return true;
}

// JS StringToNumber on an already trimmed string; NaN when not numeric.
double js_string_to_number(std::string_view s) {
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    int base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (base) return all_digits_in(s.substr(2), base) ? parse_radix(s.substr(2), base) : NAN;
  }
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return neg ? -INFINITY : INFINITY;
  // [digits][.digits][(e|E)[+-]digits], with at least one mantissa digit.
  size_t i = 0, mant = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++mant;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++mant;
  }
  if (mant == 0) return NAN;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t ed = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++ed;
    if (ed == 0) return NAN;
  }
  if (i != body.size()) return NAN;
  std::string text(s);  // validated: strtod reads exactly this
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace

bool to_number(const Value& v, double* out) {
  switch (v.type()) {
    case Type::Null:
      *out = 0;
      return true;
    case Type::Boolean:
      *out = v.as_bool() ? 1 : 0;
      return true;
    case Type::Number:
      if (!std::isfinite(v.as_number())) return false;  // "JSObject" in the reference
      *out = v.as_number();
      return true;
    case Type::String: {
      const std::string& s = v.as_string();
      if (is_hex_string(s)) {  // the reference's "Hex" type: parseInt(s, 16)
        *out = parse_radix(std::string_view(s).substr(2), 16);
        return true;
      }
      std::string_view t = js_trim(s);
      // lodash toNumber: a signed hex literal is NaN.
      if (t.size() > 3 && (t[0] == '+' || t[0] == '-') && t[1] == '0' &&
          (t[2] == 'x' || t[2] == 'X')) {
        return false;
      }
      double n = js_string_to_number(t);
      if (!std::isfinite(n)) return false;
      *out = n;
      return true;
    }
    case Type::Array:
      *out = static_cast<double>(v.as_array().size());
      return true;
    case Type::Map:
      *out = static_cast<double>(v.as_map().size());
      return true;
    default:
      return false;
  }
}

}  // namespace spime::krl

#include "engine/krl/stdlib/js_text.h"

#include <cmath>
#include <limits>

#include "engine/krl/utf8.h"

namespace spime::krl::stdlib {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at s[*i], advancing *i; invalid input yields U+FFFD
// and consumes the maximal invalid prefix (at least one byte).
char32_t decode_utf8(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    ++*i;
    return kReplacement;
  }
  size_t j = *i + 1;
  for (int k = 1; k < len; ++k, ++j) {
    if (j >= s.size()) {
      *i = j;
      return kReplacement;
    }
    const auto b = static_cast<unsigned char>(s[j]);
    if (b < lo || b > hi) {
      *i = j;
      return kReplacement;
    }
    lo = 0x80;
    hi = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  *i = j;
  return cp;
}

// Number("0b101") / Number("0o17"): the radix prefixes Value's to_number may
// not know. Returns false when `s` is not such a literal.
bool parse_radix_literal(std::string_view s, double* out) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || (s[b] >= '\t' && s[b] <= '\r'))) ++b;
  while (e > b && (s[e - 1] == ' ' || (s[e - 1] >= '\t' && s[e - 1] <= '\r'))) --e;
  if (e - b < 3 || s[b] != '0') return false;
  const char p = s[b + 1];
  const int radix = (p == 'b' || p == 'B') ? 2 : (p == 'o' || p == 'O') ? 8 : 0;
  if (radix == 0) return false;
  double n = 0;
  for (size_t i = b + 2; i < e; ++i) {
    const int d = s[i] - '0';
    if (d < 0 || d >= radix) {
      *out = kNaN;
      return true;
    }
    n = n * radix + d;
  }
  *out = n;
  return true;
}

}  // namespace

double js_to_number(const Value& v) {
  switch (v.type()) {
    case Type::Null:
      return 0;
    case Type::Boolean:
      return v.as_bool() ? 1 : 0;
    case Type::Number:
      return v.as_number();
    case Type::String: {
      double n = 0;
      if (parse_radix_literal(v.as_string(), &n)) return n;
      return to_number(v, &n) ? n : kNaN;
    }
    case Type::Array: {
      const Array& a = v.as_array();
      if (a.empty()) return 0;
      if (a.size() > 1) return kNaN;
      const Value& only = a[0];
      if (only.is_null()) return 0;  // [null].join() is ""
      if (only.is_bool()) return kNaN;
      return js_to_number(only);
    }
    default:
      return kNaN;
  }
}

double js_math_round(double x) {
  if (!std::isfinite(x)) return x;
  const double f = std::floor(x);
  return (x - f >= 0.5) ? f + 1 : f;
}

std::u16string utf8_to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = decode_utf8(s, &i);
    if (cp >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

std::string utf16_to_utf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char16_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] <= 0xDFFF) {
      append_utf8(out, 0x10000 + ((static_cast<char32_t>(c) - 0xD800) << 10) + (s[i + 1] - 0xDC00));
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      append_utf8(out, kReplacement);
    } else {
      append_utf8(out, c);
    }
  }
  return out;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t start = i;
    const char32_t cp = decode_utf8(bytes, &i);
    if (cp == kReplacement && !(i - start == 3 && bytes.substr(start, 3) == "\xEF\xBF\xBD")) {
      append_utf8(out, kReplacement);
    } else {
      out.append(bytes.substr(start, i - start));
    }
  }
  return out;
}

bool is_js_space(char16_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

}  // namespace spime::krl::stdlib

// String operators, as the reference's krl-stdlib (stdlib.ts): capitalize,
// decode, encode, extract, lc, uc, match, ord, split, substr, trimLeading,
// trimTrailing, trim, startsWith, endsWith, contains, replace.
//
// The receiver is coerced with to_string() as the reference does. Indices
// (substr, ord, capitalize, replace's offset) count UTF-16 code units, as JS
// does. Regexps match UTF-8 bytes (see regexp.h).
//
// Operators that also work on collections (length, index, reverse, slice,
// ...) are in collections.cpp; sprintf is in numbers.cpp.

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/krl/regexp.h"
#include "engine/krl/stdlib/js_text.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {
namespace {

Value checked_string(EvalContext& ctx, const char* op, std::string s) {
  ctx.charge(s.size() / 64);
  if (s.size() > ctx.limits.max_string_bytes) {
    throw KrlError(std::string("The .") + op + "() result exceeds max_string_bytes (" +
                   std::to_string(ctx.limits.max_string_bytes) + " bytes)");
  }
  return Value(std::move(s));
}

void check_collection(EvalContext& ctx, const char* op, size_t n) {
  ctx.charge(n);
  if (n > ctx.limits.max_collection_size) {
    throw KrlError(std::string("The .") + op + "() result exceeds max_collection_size (" +
                   std::to_string(ctx.limits.max_collection_size) + " elements)");
  }
}

// ---- case mapping ----------------------------------------------------------------
// Unicode simple case mapping through the C library's C.UTF-8 tables (ASCII
// only if that locale is missing), plus JS's special case ß -> "SS".

locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return loc;
}

char32_t map_case(char32_t c, bool upper) {
  if (c < 0x80) {
    if (upper && c >= 'a' && c <= 'z') return c - 32;
    if (!upper && c >= 'A' && c <= 'Z') return c + 32;
    return c;
  }
  const locale_t loc = utf8_locale();
  if (loc == static_cast<locale_t>(0)) return c;
  return static_cast<char32_t>(upper ? towupper_l(static_cast<wint_t>(c), loc)
                                     : towlower_l(static_cast<wint_t>(c), loc));
}

// Maps every code point of `units` (UTF-16) and returns UTF-8.
std::string convert_case(std::u16string_view units, bool upper) {
  std::u16string out;
  out.reserve(units.size());
  for (size_t i = 0; i < units.size(); ++i) {
    char32_t c = units[i];
    const bool pair = c >= 0xD800 && c <= 0xDBFF && i + 1 < units.size() &&
                      units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF;
    if (pair) {
      c = 0x10000 + ((c - 0xD800) << 10) + (units[i + 1] - 0xDC00);
      ++i;
    }
    if (upper && c == 0xDF) {  // ß
      out += u"SS";
      continue;
    }
    if (c >= 0xD800 && c <= 0xDFFF) {  // a lone surrogate stays as it is
      out.push_back(static_cast<char16_t>(c));
      continue;
    }
    const char32_t m = map_case(c, upper);
    if (m >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((m - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((m - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(m));
    }
  }
  return utf16_to_utf8(out);
}

Value op_capitalize(EvalContext& ctx, const BoundArgs& args) {
  const std::string s = to_string(args[0]);
  if (s.empty()) return Value("");
  if (static_cast<unsigned char>(s[0]) < 0x80) {  // the common case: no UTF-16 round trip
    std::string out = s;
    if (out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
    return Value(std::move(out));
  }
  const std::u16string units = utf8_to_utf16(s);
  // JS uppercases val[0]: one UTF-16 unit (half of a surrogate pair stays).
  return checked_string(ctx, "capitalize",
                        convert_case(std::u16string_view(units).substr(0, 1), true) +
                            utf16_to_utf8(std::u16string_view(units).substr(1)));
}

Value op_lc(EvalContext& ctx, const BoundArgs& args) {
  return checked_string(ctx, "lc", convert_case(utf8_to_utf16(to_string(args[0])), false));
}

Value op_uc(EvalContext& ctx, const BoundArgs& args) {
  return checked_string(ctx, "uc", convert_case(utf8_to_utf16(to_string(args[0])), true));
}

// ---- JSON --------------------------------------------------------------------------

// Not a string, or not valid JSON: the value comes back as it was.
Value op_decode(EvalContext&, const BoundArgs& args) {
  const Value& v = args[0];
  if (!v.is_string()) return v;
  Value out;
  std::string error;
  if (!parse_json(v.as_string(), &out, &error, kMaxJsonDepth)) return v;
  return out;
}

// lodash's _.parseInt(x, 10) || 0, then JSON.stringify's clamp to 0..10.
int json_indent(const Value& v) {
  const std::string s = to_string(v);
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  long n = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    n = n * 10 + (s[i] - '0');
    if (n > 10) n = 10;
  }
  if (negative) return 0;
  return static_cast<int>(n);
}

Value op_encode(EvalContext& ctx, const BoundArgs& args) {
  return checked_string(ctx, "encode", encode_json(args[0], json_indent(args[1])));
}

// ---- regexps -------------------------------------------------------------------------

// `new RegExp(toString(x))` unless x already is one.
std::shared_ptr<const RegExp> as_regexp(const Value& v) {
  if (v.is_regexp()) return v.regexp_ptr();
  return make_regexp(to_string(v));
}

Value group_value(const std::optional<std::string>& g) {
  return g ? Value(*g) : Value();
}

Value op_extract(EvalContext& ctx, const BoundArgs& args) {
  if (args.size() < 2) return Value(Array{});
  const std::string s = to_string(args[0]);
  const auto re = as_regexp(args[1]);
  Array out;
  if (re->global) {  // String#match with /g: every whole match
    regexp_for_each(*re, s, [&](const RegexMatch& m) {
      check_collection(ctx, "extract", out.size() + 1);
      out.push_back(group_value(m.groups[0]));
      return true;
    });
    return Value(std::move(out));
  }
  std::vector<std::optional<std::string>> groups;
  if (!regexp_search(*re, s, &groups)) return Value(Array{});
  for (size_t i = 1; i < groups.size(); ++i) out.push_back(group_value(groups[i]));
  return Value(std::move(out));
}

Value op_match(EvalContext&, const BoundArgs& args) {
  std::shared_ptr<const RegExp> re;
  if (args[1].is_string()) {
    re = make_regexp(args[1].as_string());
  } else if (args[1].is_regexp()) {
    re = args[1].regexp_ptr();
  } else {
    return Value(false);
  }
  return Value(regexp_search(*re, to_string(args[0]), nullptr));
}

// Byte offset -> UTF-16 index, for the offsets JS reports.
double utf16_index(std::string_view s, size_t byte_offset) {
  return static_cast<double>(utf8_to_utf16(s.substr(0, byte_offset)).size());
}

// String#replace with a string pattern: the first occurrence, with `$$`,
// `$&`, `` $` `` and `$'` expanded in the replacement.
std::string replace_first(const std::string& s, const std::string& pattern,
                          const std::string& replacement) {
  const size_t pos = s.find(pattern);
  if (pos == std::string::npos) return s;
  std::string sub;
  for (size_t i = 0; i < replacement.size(); ++i) {
    const char c = replacement[i];
    if (c != '$' || i + 1 >= replacement.size()) {
      sub.push_back(c);
      continue;
    }
    const char n = replacement[i + 1];
    if (n == '$') {
      sub.push_back('$');
    } else if (n == '&') {
      sub += pattern;
    } else if (n == '`') {
      sub += s.substr(0, pos);
    } else if (n == '\'') {
      sub += s.substr(pos + pattern.size());
    } else {
      sub.push_back(c);
      continue;
    }
    ++i;
  }
  return s.substr(0, pos) + sub + s.substr(pos + pattern.size());
}

Value op_replace(EvalContext& ctx, const BoundArgs& args) {
  if (args.size() < 2) return args[0];
  const std::string s = to_string(args[0]);
  const Value& pattern = args[1];
  const Value& replacement = args[2];
  if (replacement.is_callable() && replacement.is_function()) {
    // The function gets (match, group1, ..., offset, string) and its result
    // replaces the match. Unlike the reference, an empty global match cannot
    // loop forever: the search moves on as String#replace does.
    const auto re = as_regexp(pattern);
    const Value whole(s);
    std::string out;
    size_t last = 0;
    regexp_for_each(*re, s, [&](const RegexMatch& m) {
      std::vector<Value> call_args;
      call_args.reserve(m.groups.size() + 2);
      for (const auto& g : m.groups) call_args.push_back(group_value(g));
      call_args.emplace_back(utf16_index(s, m.position));
      call_args.push_back(whole);
      const Value r = call_function(ctx, replacement, std::move(call_args));
      out.append(s, last, m.position - last);
      out += to_string(r);
      last = m.position + m.length;
      if (out.size() > ctx.limits.max_string_bytes) return false;
      return re->global;
    });
    out.append(s, std::min(last, s.size()), std::string::npos);
    return checked_string(ctx, "replace", std::move(out));
  }
  const std::string with = replacement.is_null() ? std::string() : to_string(replacement);
  if (pattern.is_regexp()) {
    return checked_string(ctx, "replace", regexp_replace(pattern.as_regexp(), s, with));
  }
  return checked_string(ctx, "replace", replace_first(s, to_string(pattern), with));
}

Value op_split(EvalContext& ctx, const BoundArgs& args) {
  const std::string s = to_string(args[0]);
  Array out;
  if (args[1].is_regexp()) {
    for (auto& piece : regexp_split(args[1].as_regexp(), s)) {
      out.push_back(group_value(piece));
    }
    check_collection(ctx, "split", out.size());
    return Value(std::move(out));
  }
  const std::string sep = to_string(args[1]);
  if (sep.empty()) {
    // One element per character (a code point: JS would split a surrogate
    // pair into two halves, which UTF-8 cannot hold).
    check_collection(ctx, "split", s.size());
    const std::u16string units = utf8_to_utf16(s);
    for (size_t i = 0; i < units.size(); ++i) {
      const bool pair = units[i] >= 0xD800 && units[i] <= 0xDBFF && i + 1 < units.size() &&
                        units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF;
      out.emplace_back(utf16_to_utf8(std::u16string_view(units).substr(i, pair ? 2 : 1)));
      if (pair) ++i;
    }
    return Value(std::move(out));
  }
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    check_collection(ctx, "split", out.size() + 1);
    if (pos == std::string::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + sep.size();
  }
  return Value(std::move(out));
}

// ---- the rest ------------------------------------------------------------------------

Value op_ord(EvalContext&, const BoundArgs& args) {
  const std::string s = to_string(args[0]);
  if (s.empty()) return Value();
  return Value(static_cast<double>(utf8_to_utf16(s.substr(0, 4))[0]));
}

// JS ToIntegerOrInfinity then clamped to [0, len], as String#substring does.
double clamp_index(double x, double len) {
  if (std::isnan(x)) return 0;
  x = std::trunc(x);
  return x < 0 ? 0 : x > len ? len : x;
}

Value op_substr(EvalContext&, const BoundArgs& args) {
  const std::string s = to_string(args[0]);
  double start = 0, len = 0;
  if (!to_number(args[1], &start)) return Value(s);
  const bool has_len = to_number(args[2], &len);  // toNumberOrNull(null) is 0
  const std::u16string units = utf8_to_utf16(s);
  const double size = static_cast<double>(units.size());
  if (start > size) return Value("");
  double end;
  if (!has_len) {
    end = size;
  } else if (len > 0) {
    end = start + len;
  } else {
    end = size + len;
  }
  double from = clamp_index(start, size), to = clamp_index(end, size);
  if (from > to) std::swap(from, to);
  return Value(utf16_to_utf8(std::u16string_view(units).substr(static_cast<size_t>(from),
                                                               static_cast<size_t>(to - from))));
}

Value trim(const Value& v, bool leading, bool trailing) {
  const std::string s = to_string(v);
  const std::u16string units = utf8_to_utf16(s);
  size_t b = 0, e = units.size();
  if (leading) {
    while (b < e && is_js_space(units[b])) ++b;
  }
  if (trailing) {
    while (e > b && is_js_space(units[e - 1])) --e;
  }
  if (b == 0 && e == units.size()) return Value(s);
  return Value(utf16_to_utf8(std::u16string_view(units).substr(b, e - b)));
}

Value op_trim_leading(EvalContext&, const BoundArgs& args) {
  return trim(args[0], true, false);
}
Value op_trim_trailing(EvalContext&, const BoundArgs& args) {
  return trim(args[0], false, true);
}
Value op_trim(EvalContext&, const BoundArgs& args) {
  return trim(args[0], true, true);
}

Value op_starts_with(EvalContext&, const BoundArgs& args) {
  const std::string s = to_string(args[0]), t = to_string(args[1]);
  return Value(s.compare(0, t.size(), t) == 0 && s.size() >= t.size());
}

Value op_ends_with(EvalContext&, const BoundArgs& args) {
  const std::string s = to_string(args[0]), t = to_string(args[1]);
  return Value(s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0);
}

Value op_contains(EvalContext&, const BoundArgs& args) {
  return Value(to_string(args[0]).find(to_string(args[1])) != std::string::npos);
}

}  // namespace

const std::vector<Builtin>& string_operators() {
  static const std::vector<Builtin> kOps = {
      {"capitalize", {"val"}, op_capitalize},
      {"decode", {"val"}, op_decode},
      {"encode", {"val", "indent"}, op_encode},
      {"extract", {"val", "regex"}, op_extract},
      {"lc", {"val"}, op_lc},
      {"uc", {"val"}, op_uc},
      {"match", {"val", "regex"}, op_match},
      {"ord", {"val"}, op_ord},
      {"split", {"val", "splitOn"}, op_split},
      {"substr", {"val", "start", "len"}, op_substr},
      {"trimLeading", {"val"}, op_trim_leading},
      {"trimTrailing", {"val"}, op_trim_trailing},
      {"trim", {"val"}, op_trim},
      {"startsWith", {"val", "target"}, op_starts_with},
      {"endsWith", {"val", "target"}, op_ends_with},
      {"contains", {"val", "target"}, op_contains},
      {"replace", {"val", "regex", "replacement"}, op_replace},
  };
  return kOps;
}

}  // namespace spime::krl::stdlib

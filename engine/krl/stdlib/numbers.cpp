// Number operators: chr, range, sprintf, and the bitwise operators
// (shiftRight, shiftLeft, band, bor, bxor, bnot), as the reference's stdlib.ts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/krl/regexp.h"
#include "engine/krl/stdlib/stdlib.h"
#include "engine/krl/utf8.h"

namespace spime::krl::stdlib {

namespace {

// ECMAScript ToInt32.
std::int32_t to_int32(double n) {
  if (!std::isfinite(n)) return 0;
  double m = std::fmod(std::trunc(n), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(m));
}

Value chr_op(EvalContext&, const BoundArgs& a) {
  double code;
  if (!to_number(a[0], &code)) return Value();
  // String.fromCharCode: one UTF-16 unit (ToUint16). A lone surrogate has no
  // UTF-8 form; U+FFFD stands in for it.
  auto unit = static_cast<std::uint32_t>(to_int32(code)) & 0xFFFF;
  if (unit >= 0xD800 && unit <= 0xDFFF) unit = 0xFFFD;
  std::string s;
  append_utf8(s, unit);
  return Value(std::move(s));
}

Value range_op(EvalContext& ctx, const BoundArgs& a) {
  if (a.size() < 2) return Value(Array{});
  double start, end;
  if (!to_number(a[0], &start) || !to_number(a[1], &end)) return Value(Array{});
  // _.range(start, end ± 1): inclusive of `end`, stepping by ±1.
  const double stop = start < end ? end + 1 : end - 1;
  const double step = start < stop ? 1 : -1;
  const double count = std::max(std::ceil((stop - start) / step), 0.0);
  if (count > static_cast<double>(ctx.limits.max_collection_size)) {
    throw KrlError("range of " + number_to_string(count) + " elements exceeds the limit of " +
                       std::to_string(ctx.limits.max_collection_size),
                   "RangeError");
  }
  Array out;
  out.reserve(static_cast<size_t>(count));
  double v = start;
  for (size_t i = 0; i < static_cast<size_t>(count); ++i, v += step) out.emplace_back(v);
  return Value(std::move(out));
}

// The reference's sprintfBase: `spec` (%d or %s) not preceded by a backslash
// becomes `val`; a doubled backslash is one literal backslash; `\<spec>` is
// the spec itself.
std::string sprintf_base(EvalContext& ctx, const std::string& val, const std::string& tmpl,
                         const char* spec) {
  // Bound the result before building it: each spec adds at most val.size().
  size_t specs = 0;
  for (size_t p = tmpl.find(spec); p != std::string::npos; p = tmpl.find(spec, p + 2)) ++specs;
  if (tmpl.size() + specs * val.size() > ctx.limits.max_string_bytes) {
    throw KrlError("sprintf result exceeds the limit of " +
                       std::to_string(ctx.limits.max_string_bytes) + " bytes",
                   "RangeError");
  }
  static const auto backslashes = make_regexp("\\\\\\\\", "g");
  auto spec_re = make_regexp(std::string("(^|[^\\\\])") + spec, "g");
  auto escaped_re = make_regexp(std::string("\\\\") + spec, "g");
  // "$1" + val is a replacement pattern, as in the reference ($ in val is live).
  const std::string replacement = "$1" + val;
  std::string joined;
  bool first = true;
  for (const auto& piece : regexp_split(*backslashes, tmpl)) {
    if (!first) joined += '\\';
    first = false;
    joined += regexp_replace(*spec_re, piece.value_or(""), replacement);
  }
  return regexp_replace(*escaped_re, joined, spec);
}

Value sprintf_op(EvalContext& ctx, const BoundArgs& a) {
  if (a[1].is_null()) return Value("");
  const std::string tmpl = to_string(a[1]);
  const Value& val = a[0];
  if (val.is_number() && std::isfinite(val.as_number())) {
    return Value(sprintf_base(ctx, number_to_string(val.as_number()), tmpl, "%d"));
  }
  if (val.is_string()) return Value(sprintf_base(ctx, val.as_string(), tmpl, "%s"));
  return Value(tmpl);
}

template <typename Op>
Value bitwise(const BoundArgs& a, const char* verb, Op op) {
  double x, y;
  if (!to_number(a[0], &x) || !to_number(a[1], &y)) {
    throw type_error(to_string(a[0]) + verb + to_string(a[1]));
  }
  return Value(static_cast<double>(op(to_int32(x), to_int32(y))));
}

Value shift_right_op(EvalContext&, const BoundArgs& a) {
  return bitwise(a, " cannot be shifted by ",
                 [](std::int32_t x, std::int32_t y) { return x >> (y & 31); });
}

Value shift_left_op(EvalContext&, const BoundArgs& a) {
  return bitwise(a, " cannot be shifted by ", [](std::int32_t x, std::int32_t y) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << (y & 31));
  });
}

// The reference words bor and bxor errors as "anded" too.
Value band_op(EvalContext&, const BoundArgs& a) {
  return bitwise(a, " cannot be bitwise anded ",
                 [](std::int32_t x, std::int32_t y) { return x & y; });
}

Value bor_op(EvalContext&, const BoundArgs& a) {
  return bitwise(a, " cannot be bitwise anded ",
                 [](std::int32_t x, std::int32_t y) { return x | y; });
}

Value bxor_op(EvalContext&, const BoundArgs& a) {
  return bitwise(a, " cannot be bitwise anded ",
                 [](std::int32_t x, std::int32_t y) { return x ^ y; });
}

Value bnot_op(EvalContext&, const BoundArgs& a) {
  double x;
  if (!to_number(a[0], &x)) throw type_error(to_string(a[0]) + " cannot be inverted ");
  return Value(static_cast<double>(~to_int32(x)));
}

}  // namespace

const std::vector<Builtin>& number_operators() {
  static const std::vector<Builtin> table = {
      {"chr", {"val"}, chr_op},
      {"range", {"val", "end"}, range_op},
      {"sprintf", {"val", "template"}, sprintf_op},
      {"shiftRight", {"left", "right"}, shift_right_op},
      {"shiftLeft", {"left", "right"}, shift_left_op},
      {"band", {"left", "right"}, band_op},
      {"bor", {"left", "right"}, bor_op},
      {"bxor", {"left", "right"}, bxor_op},
      {"bnot", {"left"}, bnot_op},
  };
  return table;
}

}  // namespace spime::krl::stdlib

// The `math` module, as the reference's pico-engine-core modules/math.ts:
// abs, ceiling, floor, int, round (lodash's precision rounding), hash, hmac,
// hashAlgorithms, hashFunctions (deprecated), base64encode, base64decode.
//
// The reference has no math:random, math:max or math:min; neither do we.
// Node's crypto knows many more algorithms than md5/sha1/sha224/sha256/
// sha384/sha512; the others are reported as unrecognized.

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "engine/krl/stdlib/digest.h"
#include "engine/krl/stdlib/js_text.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// lodash's toInteger (after toNumber), capped at 292 as createRound does.
double round_precision(const Value& precision) {
  if (precision.is_null()) return 0;
  double p = js_to_number(precision);
  if (std::isnan(p)) return 0;
  if (std::isinf(p)) p = p > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
  p = std::trunc(p);
  return p < 292 ? p : 292;
}

// x * 10^p the way lodash does it: by editing the exponent of x's decimal
// text, which avoids binary multiplication error ("1.005" rounds to 1.01).
double shift_decimal(double x, double p) {
  const std::string text = number_to_string(x);
  const size_t e = text.find('e');
  const std::string mantissa = text.substr(0, e);
  const double exponent = e == std::string::npos ? 0 : std::strtod(text.c_str() + e + 1, nullptr);
  const double shifted = exponent + p;
  if (std::fabs(shifted) >= 1e21) return kNaN;  // JS would print "1e+21" here: not a number
  const std::string joined = mantissa + "e" + std::to_string(static_cast<long long>(shifted));
  return std::strtod(joined.c_str(), nullptr);
}

// lodash createRound: _.round, _.floor, _.ceil with a precision argument.
template <typename Fn>
Value lodash_round(const BoundArgs& args, Fn fn) {
  const double number = js_to_number(args[0]);
  const double precision = round_precision(args[1]);
  if (precision != 0 && std::isfinite(number)) {
    const double value = fn(shift_decimal(number, precision));
    if (!std::isfinite(value)) return Value(value);
    return Value(shift_decimal(value, -precision));
  }
  return Value(fn(number));
}

Value math_abs(EvalContext&, const BoundArgs& args) {
  return Value(std::fabs(js_to_number(args[0])));
}

Value math_ceiling(EvalContext&, const BoundArgs& args) {
  return lodash_round(args, [](double x) { return std::ceil(x); });
}

Value math_floor(EvalContext&, const BoundArgs& args) {
  return lodash_round(args, [](double x) { return std::floor(x); });
}

Value math_round(EvalContext&, const BoundArgs& args) {
  return lodash_round(args, js_math_round);
}

Value math_int(EvalContext&, const BoundArgs& args) {
  const double n = js_to_number(args[0]);
  return Value(n >= 0 ? std::floor(n) : std::ceil(n));
}

Value algorithm_list() {
  Array names;
  for (const auto& name : digest_algorithms()) names.emplace_back(name);
  return Value(std::move(names));
}

Value math_hash_algorithms(EvalContext&, const BoundArgs&) {
  return algorithm_list();
}

Value math_hash_functions(EvalContext& ctx, const BoundArgs&) {
  if (ctx.log) {
    ctx.log(LogLevel::Warn, "math:hashFunctions() is DEPRECATED use math:hashAlgorithms instead");
  }
  return algorithm_list();
}

void check_algorithm(const char* fn, const Value& algorithm) {
  if (algorithm.is_string() && is_digest_algorithm(algorithm.as_string())) return;
  if (algorithm.is_string()) {
    throw KrlError(std::string(fn) + " doesn't recognize the hash algorithm " +
                   algorithm.as_string());
  }
  throw type_error(std::string(fn) + " was given " + to_string(algorithm) +
                   " instead of a algorithm string");
}

// `encoding || "hex"`, which must then be "hex" or "base64".
bool wants_base64(const char* fn, const Value& encoding) {
  if (!truthy(encoding)) return false;
  if (encoding.is_string() && encoding.as_string() == "hex") return false;
  if (encoding.is_string() && encoding.as_string() == "base64") return true;
  throw KrlError(std::string(fn) + " encoding must be \"hex\" or \"base64\" but was " +
                 to_string(encoding));
}

Value math_hash(EvalContext&, const BoundArgs& args) {
  check_algorithm("math:hash", args[0]);
  const bool base64 = wants_base64("math:hash", args[2]);
  const std::string raw = digest(args[0].as_string(), to_string(args[1]));
  return Value(base64 ? base64_encode(raw) : hex_encode(raw));
}

Value math_hmac(EvalContext&, const BoundArgs& args) {
  if (!args[1].is_string()) throw KrlError("math:hmac needs a key string");
  check_algorithm("math:hmac", args[0]);
  const bool base64 = wants_base64("math:hmac", args[3]);
  const std::string raw = hmac(args[0].as_string(), args[1].as_string(), to_string(args[2]));
  return Value(base64 ? base64_encode(raw) : hex_encode(raw));
}

// Node's Buffer encodings (names are case-insensitive there too).
enum class Encoding { Utf8, Ascii, Latin1, Hex, Base64, Base64Url, Utf16Le };

Encoding parse_encoding(const Value& v) {
  if (v.is_null()) return Encoding::Utf8;
  std::string name = to_string(v);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "utf8" || name == "utf-8") return Encoding::Utf8;
  if (name == "ascii") return Encoding::Ascii;
  if (name == "latin1" || name == "binary") return Encoding::Latin1;
  if (name == "hex") return Encoding::Hex;
  if (name == "base64") return Encoding::Base64;
  if (name == "base64url") return Encoding::Base64Url;
  if (name == "ucs2" || name == "ucs-2" || name == "utf16le" || name == "utf-16le") {
    return Encoding::Utf16Le;
  }
  throw type_error("Unknown encoding: " + to_string(v));
}

// Buffer.from(text, encoding).
std::string bytes_from_text(const std::string& text, Encoding enc) {
  switch (enc) {
    case Encoding::Utf8:
      return text;
    case Encoding::Hex:
      return hex_decode_lenient(text);
    case Encoding::Base64:
    case Encoding::Base64Url:
      return base64_decode_lenient(text);
    case Encoding::Ascii:
    case Encoding::Latin1: {
      std::string out;
      for (char16_t u : utf8_to_utf16(text)) out.push_back(static_cast<char>(u & 0xFF));
      return out;
    }
    case Encoding::Utf16Le: {
      std::string out;
      for (char16_t u : utf8_to_utf16(text)) {
        out.push_back(static_cast<char>(u & 0xFF));
        out.push_back(static_cast<char>(u >> 8));
      }
      return out;
    }
  }
  return text;
}

// buffer.toString(encoding).
std::string text_from_bytes(const std::string& bytes, Encoding enc) {
  switch (enc) {
    case Encoding::Utf8:
      return sanitize_utf8(bytes);
    case Encoding::Hex:
      return hex_encode(bytes);
    case Encoding::Base64:
      return base64_encode(bytes);
    case Encoding::Base64Url:
      return base64_encode(bytes, true);
    case Encoding::Ascii:
    case Encoding::Latin1: {
      std::u16string units;
      for (char b : bytes) {
        const auto u = static_cast<unsigned char>(b);
        units.push_back(enc == Encoding::Ascii ? (u & 0x7F) : u);
      }
      return utf16_to_utf8(units);
    }
    case Encoding::Utf16Le: {
      std::u16string units;
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
        units.push_back(static_cast<char16_t>(static_cast<unsigned char>(bytes[i]) |
                                              (static_cast<unsigned char>(bytes[i + 1]) << 8)));
      }
      return utf16_to_utf8(units);
    }
  }
  return bytes;
}

Value checked_string(EvalContext& ctx, const char* fn, std::string s) {
  if (s.size() > ctx.limits.max_string_bytes) {
    throw KrlError(std::string(fn) + " result exceeds max_string_bytes (" +
                   std::to_string(ctx.limits.max_string_bytes) + " bytes)");
  }
  return Value(std::move(s));
}

Value math_base64encode(EvalContext& ctx, const BoundArgs& args) {
  const Encoding enc = parse_encoding(args[1]);
  return checked_string(ctx, "math:base64encode",
                        base64_encode(bytes_from_text(to_string(args[0]), enc)));
}

Value math_base64decode(EvalContext& ctx, const BoundArgs& args) {
  const Encoding enc = parse_encoding(args[1]);
  return checked_string(ctx, "math:base64decode",
                        text_from_bytes(base64_decode_lenient(to_string(args[0])), enc));
}

}  // namespace

const Module& math_module() {
  static const Module kMath{
      "math",
      {
          // Both parameters are named "str" in the reference: a named `str`
          // argument fills both, as krlNamedArgs does there.
          {"base64encode", {"str", "str"}, math_base64encode},
          {"base64decode", {"str", "str"}, math_base64decode},
          {"hashAlgorithms", {}, math_hash_algorithms, Function::Kind::Function, true},
          {"hashFunctions", {}, math_hash_functions},
          {"hash", {"algorithm", "str", "encoding"}, math_hash},
          {"hmac", {"algorithm", "key", "message", "encoding"}, math_hmac},
          {"abs", {"number"}, math_abs},
          {"ceiling", {"number", "precision"}, math_ceiling},
          {"floor", {"number", "precision"}, math_floor},
          {"int", {"number"}, math_int},
          {"round", {"number", "precision"}, math_round},
      }};
  return kMath;
}

}  // namespace spime::krl::stdlib

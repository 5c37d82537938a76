// Type operators: as, isnull, typeof, klog, defaultsTo (the reference's
// stdlib.ts, "as" through "defaultsTo").
#include <cctype>
#include <cmath>
#include <string>

#include "engine/krl/regexp.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {

namespace {

// The reference's isHex: /^0x[A-F0-9]+$/i.
bool is_hex(const Value& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.as_string();
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  for (size_t i = 2; i < s.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The reference's typeOf, with its quirks: a hex string is "Hex" and a
// non-finite number "JSObject".
std::string type_of(const Value& v) {
  if (is_hex(v)) return "Hex";
  if (v.is_number() && !std::isfinite(v.as_number())) return "JSObject";
  return std::string(type_name(v.type()));
}

// JavaScript's Number#toString(16).
std::string number_to_hex(double n) {
  if (!std::isfinite(n)) return number_to_string(n);
  std::string out;
  bool neg = n < 0;
  n = std::fabs(n);
  double ip = std::floor(n), fp = n - ip;
  static const char kDigits[] = "0123456789abcdef";
  do {
    double q = std::floor(ip / 16);
    out.insert(out.begin(), kDigits[static_cast<int>(ip - q * 16)]);
    ip = q;
  } while (ip > 0);
  if (fp > 0) {
    out += '.';
    for (int i = 0; i < 52 && fp > 0; ++i) {
      fp *= 16;
      int d = static_cast<int>(fp);
      out += kDigits[d];
      fp -= d;
    }
  }
  return neg ? "-" + out : out;
}

// How JavaScript would print the `type` argument inside the error message.
std::string js_string(const Value& v) {
  if (v.is_regexp()) {
    const RegExp& r = v.as_regexp();
    return "/" + r.source + "/" + (r.global ? "g" : "") + (r.ignore_case ? "i" : "");
  }
  return to_string(v);
}

Value as_op(EvalContext&, const BoundArgs& a) {
  const Value& val = a[0];
  if (a.size() < 2) return val;
  const Value& type = a[1];
  const std::string val_type = type_of(val);
  if (type.is_string() && type.as_string() == val_type) return val;
  const std::string t = type.is_string() ? type.as_string() : std::string();
  if (t == "Boolean") {
    if (val.is_string() && val.as_string() == "false") return Value(false);
    return Value(truthy(val));
  }
  if (t == "Hex") {
    switch (val.type()) {
      case Type::Null:
        throw type_error("Cannot read properties of null (reading 'toString')");
      case Type::Boolean:
      case Type::String:
        return Value(to_string(val));
      case Type::Number:
        return Value(number_to_hex(val.as_number()));
      default:
        return Value();
    }
  }
  if (t == "String") return Value(to_string(val));
  if (t == "Number") {
    double n;
    return to_number(val, &n) ? Value(n) : Value();
  }
  if (t == "RegExp") {
    std::string src = to_string(val);
    // "[Map]", "[Function]", ...: escape the brackets so it matches itself.
    if (val_type != "String" && src.size() > 2 && src.front() == '[' && src.back() == ']') {
      bool letters = true;
      for (size_t i = 1; i + 1 < src.size(); ++i) {
        letters = letters && std::isalpha(static_cast<unsigned char>(src[i]));
      }
      if (letters) src = "\\[" + src.substr(1, src.size() - 2) + "\\]";
    }
    return Value(make_regexp(std::move(src)));
  }
  throw type_error("Cannot use the .as(\"" + js_string(type) + "\") operator with " +
                   to_string(val) + " (type " + val_type + ")");
}

Value isnull_op(EvalContext&, const BoundArgs& a) {
  return Value(a[0].is_null());
}

Value typeof_op(EvalContext&, const BoundArgs& a) {
  return Value(type_of(a[0]));
}

Value klog_op(EvalContext& ctx, const BoundArgs& a) {
  const Value& val = a[0];
  if (ctx.log) {
    std::string message = a[1].is_null() ? "klog" : to_string(a[1]);
    ctx.log(LogLevel::Info, message + " " + encode_json(val));
  }
  return val;
}

Value defaults_to_op(EvalContext& ctx, const BoundArgs& a) {
  if (!a[0].is_null()) return a[0];
  if (!a[2].is_null() && ctx.log) ctx.log(LogLevel::Debug, "[DEFAULTSTO] " + to_string(a[2]));
  return a[1];
}

}  // namespace

const std::vector<Builtin>& type_operators() {
  static const std::vector<Builtin> table = {
      {"as", {"val", "type"}, as_op},
      {"isnull", {"val"}, isnull_op},
      {"typeof", {"val"}, typeof_op},
      {"klog", {"val", "message"}, klog_op},
      {"defaultsTo", {"val", "defaultVal", "message"}, defaults_to_op},
  };
  return table;
}

}  // namespace spime::krl::stdlib

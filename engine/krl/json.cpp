// JSON for KRL values: encode_json is the reference's encode (JSON.stringify
// with a replacer turning non-JSON values into their toString), parse_json a
// small strict parser (JSON.parse semantics) with a depth limit and byte
// offsets in its errors.
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/krl/error.h"
#include "engine/krl/utf8.h"
#include "engine/krl/value.h"

namespace spime::krl {

namespace {

// Deepest value encode_json walks (values are acyclic; this bounds the stack).
constexpr int kMaxEncodeDepth = 2000;

void encode_string(const std::string& s, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void newline(std::string& out, int indent, int level) {
  out += '\n';
  out.append(static_cast<size_t>(indent * level), ' ');
}

void encode_value(const Value& v, int indent, int level, std::string& out) {
  if (level > kMaxEncodeDepth) throw KrlError("value nested too deeply to encode");
  switch (v.type()) {
    case Type::Null:
      out += "null";
      return;
    case Type::Boolean:
      out += v.as_bool() ? "true" : "false";
      return;
    case Type::Number:
      // A non-finite number is "JSObject" to the reference: its toString.
      if (!std::isfinite(v.as_number())) {
        encode_string(to_string(v), out);
      } else {
        out += number_to_string(v.as_number());
      }
      return;
    case Type::String:
      encode_string(v.as_string(), out);
      return;
    case Type::Array: {
      const Array& a = v.as_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        if (indent) newline(out, indent, level + 1);
        encode_value(a[i], indent, level + 1, out);
      }
      if (indent) newline(out, indent, level);
      out += ']';
      return;
    }
    case Type::Map: {
      const Map& m = v.as_map();
      if (m.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [k, val] : m) {
        if (val.is_undefined()) continue;  // as JSON.stringify
        if (!first) out += ',';
        first = false;
        if (indent) newline(out, indent, level + 1);
        encode_string(k, out);
        out += indent ? ": " : ":";
        encode_value(val, indent, level + 1, out);
      }
      if (indent) newline(out, indent, level);
      out += '}';
      return;
    }
    default:  // regexps, functions, actions: their toString
      encode_string(to_string(v), out);
      return;
  }
}

// ---- parser ------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  bool parse(Value* out, std::string* error) {
    try {
      skip_space();
      Value v = value(0);
      skip_space();
      if (i_ != s_.size()) fail("unexpected character after JSON value");
      *out = std::move(v);
      return true;
    } catch (const Failure& f) {
      if (error) *error = f.message + " at offset " + std::to_string(f.offset);
      return false;
    }
  }

 private:
  struct Failure {
    std::string message;
    size_t offset;
  };

  [[noreturn]] void fail(const std::string& message) { throw Failure{message, i_}; }
  [[noreturn]] void fail_at(const std::string& message, size_t at) { throw Failure{message, at}; }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  void literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) fail("unexpected character");
    i_ += word.size();
  }

  Value value(int depth) {
    if (i_ >= s_.size()) fail("unexpected end of JSON input");
    switch (s_[i_]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return Value(string());
      case 't':
        literal("true");
        return Value(true);
      case 'f':
        literal("false");
        return Value(false);
      case 'n':
        literal("null");
        return Value();
      default:
        if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return number();
        fail("unexpected character");
    }
  }

  void check_depth(int depth) {
    if (depth > max_depth_) fail("nesting deeper than " + std::to_string(max_depth_));
  }

  Value object(int depth) {
    check_depth(depth);
    ++i_;  // {
    Map m;
    skip_space();
    if (eat('}')) return Value(std::move(m));
    for (;;) {
      skip_space();
      if (i_ >= s_.size()) fail("unexpected end of JSON input");
      if (s_[i_] != '"') fail("expected a string key");
      std::string key = string();
      skip_space();
      if (!eat(':')) fail(i_ >= s_.size() ? "unexpected end of JSON input" : "expected ':'");
      skip_space();
      m.set(std::move(key), value(depth));  // a repeated key: last value, first position
      skip_space();
      if (eat('}')) return Value(std::move(m));
      if (!eat(',')) fail(i_ >= s_.size() ? "unexpected end of JSON input" : "expected ',' or '}'");
    }
  }

  Value array(int depth) {
    check_depth(depth);
    ++i_;  // [
    Array a;
    skip_space();
    if (eat(']')) return Value(std::move(a));
    for (;;) {
      skip_space();
      a.push_back(value(depth));
      skip_space();
      if (eat(']')) return Value(std::move(a));
      if (!eat(',')) fail(i_ >= s_.size() ? "unexpected end of JSON input" : "expected ',' or ']'");
    }
  }

  Value number() {
    size_t start = i_;
    eat('-');
    if (eat('0')) {
    } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    } else {
      fail("invalid number");
    }
    if (eat('.')) {
      size_t d = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (d == i_) fail("invalid number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (!eat('+')) eat('-');
      size_t d = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (d == i_) fail("invalid number");
    }
    std::string text(s_.substr(start, i_ - start));
    return Value(std::strtod(text.c_str(), nullptr));
  }

  std::uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("invalid \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        fail_at("invalid \\u escape", i_ - 1);
      }
    }
    return v;
  }

  // Validates one UTF-8 sequence starting at i_ and copies it.
  void utf8_char(std::string& out) {
    size_t start = i_;
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    int extra;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      fail("invalid UTF-8");
    }
    for (int k = 1; k <= extra; ++k) {
      if (start + static_cast<size_t>(k) >= s_.size()) fail("invalid UTF-8");
      unsigned char d = static_cast<unsigned char>(s_[start + static_cast<size_t>(k)]);
      if ((d & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      fail("invalid UTF-8");
    }
    out.append(s_.substr(start, static_cast<size_t>(extra) + 1));
    i_ = start + static_cast<size_t>(extra) + 1;
  }

  std::string string() {
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c >= 0x80) {
        utf8_char(out);
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) fail("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            size_t save = i_;
            i_ += 2;
            std::uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              i_ = save;  // not a pair: the high half stands alone
            }
          }
          // A lone surrogate has no UTF-8 form: U+FFFD stands in for it.
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          append_utf8(out, cp);
          break;
        }
        default:
          fail_at("invalid escape", i_ - 1);
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int max_depth_;
};

}  // namespace

namespace {

bool is_json(const Value& v) {
  if (v.is_callable() || v.is_regexp() || v.is_undefined()) return false;
  if (v.is_number()) return std::isfinite(v.as_number());
  if (v.is_array()) {
    for (const Value& x : v.as_array()) {
      if (!is_json(x)) return false;
    }
  } else if (v.is_map()) {
    for (const auto& [k, x] : v.as_map()) {
      if (!is_json(x)) return false;
    }
  }
  return true;
}

Value clean(const Value& v) {
  if (v.is_regexp()) return Value(Map());
  if (v.is_callable() || v.is_undefined()) return Value();
  if (v.is_number() && !std::isfinite(v.as_number())) return Value();
  if (v.is_array()) {
    Array out;
    out.reserve(v.as_array().size());
    for (const Value& x : v.as_array()) out.push_back(is_json(x) ? x : clean(x));
    return Value(std::move(out));
  }
  if (v.is_map()) {
    Map out;
    for (const auto& [k, x] : v.as_map()) {
      if (x.is_callable() || x.is_undefined()) continue;
      out.set(k, is_json(x) ? x : clean(x));
    }
    return Value(std::move(out));
  }
  return v;
}

}  // namespace

Value json_clean(const Value& v) {
  return is_json(v) ? v : clean(v);
}

std::string encode_json(const Value& v, int indent) {
  // JSON.stringify takes at most 10 spaces of indentation.
  if (indent < 0) indent = 0;
  if (indent > 10) indent = 10;
  std::string out;
  encode_value(v, indent, 0, out);
  return out;
}

bool parse_json(std::string_view text, Value* out, std::string* error, int max_depth) {
  return Parser(text, max_depth).parse(out, error);
}

}  // namespace spime::krl

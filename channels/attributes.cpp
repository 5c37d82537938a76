// Query strings, bodies and headers → KRL attributes. See attributes.h.
#include "channels/attributes.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "engine/krl/ascii.h"
#include "engine/krl/limits.h"
#include "engine/krl/utf8.h"

namespace spime::channels {
namespace {

using krl::Array;
using krl::Map;
using krl::trim;
using krl::Value;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t n;
  unsigned min;
  unsigned cp;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Invalid UTF-8 bytes become U+FFFD, as Node's Buffer#toString does.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    krl::append_utf8(out, b);
  }
  return out;
}

std::string plus_to_space(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '+', ' ');
  return out;
}

// qs's decoder: '+' is a space; a malformed escape leaves the text as is.
std::string qs_decode(std::string_view s) {
  std::string spaced = plus_to_space(s);
  std::string decoded;
  if (decode_uri_component(spaced, &decoded)) return decoded;
  return sanitize_utf8(spaced);
}

// Node's querystring.unescape: escapes decoded byte by byte (malformed ones
// kept), then read as UTF-8 with replacement characters.
std::string querystring_decode(std::string_view s) {
  std::string bytes;
  bytes.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      bytes += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
               hex_digit(s[i + 2]) >= 0) {
      bytes += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      bytes += s[i];
    }
  }
  return sanitize_utf8(bytes);
}

// ---- qs: a small JavaScript-like tree, merged as qs's utils.merge does ----

struct QNode;
using QPtr = std::shared_ptr<QNode>;
struct QNode {
  enum class Kind { String, True, Array, Object } kind = Kind::String;
  std::string str;
  std::vector<std::pair<long, QPtr>> items;          // Array: sparse, ascending
  std::vector<std::pair<std::string, QPtr>> fields;  // Object: insertion order

  bool is_object_like() const { return kind == Kind::Array || kind == Kind::Object; }
};

constexpr int kQsDepth = 5;
constexpr long kQsArrayLimit = 20;
constexpr size_t kQsParameterLimit = 1000;

QPtr make_string(std::string s) {
  auto n = std::make_shared<QNode>();
  n->str = std::move(s);
  return n;
}
QPtr make_kind(QNode::Kind kind) {
  auto n = std::make_shared<QNode>();
  n->kind = kind;
  return n;
}

QPtr* array_find(QNode& a, long i) {
  for (auto& [idx, v] : a.items)
    if (idx == i) return &v;
  return nullptr;
}
void array_set(QNode& a, long i, QPtr v) {
  auto it = std::lower_bound(a.items.begin(), a.items.end(), i,
                             [](const auto& e, long k) { return e.first < k; });
  if (it != a.items.end() && it->first == i) {
    it->second = std::move(v);
  } else {
    a.items.insert(it, {i, std::move(v)});
  }
}
void array_push(QNode& a, QPtr v) {
  const long next = a.items.empty() ? 0 : a.items.back().first + 1;
  a.items.emplace_back(next, std::move(v));
}
QPtr* object_find(QNode& o, const std::string& key) {
  for (auto& [k, v] : o.fields)
    if (k == key) return &v;
  return nullptr;
}
void object_set(QNode& o, const std::string& key, QPtr v) {
  if (QPtr* slot = object_find(o, key)) {
    *slot = std::move(v);
  } else {
    o.fields.emplace_back(key, std::move(v));
  }
}
// The entries of an array or object, keyed as JavaScript's Object.keys.
std::vector<std::pair<std::string, QPtr>> entries_of(const QNode& n) {
  if (n.kind == QNode::Kind::Object) return n.fields;
  std::vector<std::pair<std::string, QPtr>> out;
  for (const auto& [i, v] : n.items) out.emplace_back(std::to_string(i), v);
  return out;
}

// [a].concat(b) / [].concat(a, b)
QPtr concat(const QPtr& a, const QPtr& b) {
  auto out = make_kind(QNode::Kind::Array);
  for (const QPtr* part : {&a, &b}) {
    if (!*part) continue;
    if ((*part)->kind == QNode::Kind::Array) {
      const long base = out->items.empty() ? 0 : out->items.back().first + 1;
      for (const auto& [i, v] : (*part)->items) out->items.emplace_back(base + i, v);
    } else {
      array_push(*out, *part);
    }
  }
  return out;
}

QPtr qs_merge(QPtr target, const QPtr& source) {
  if (!source) return target;
  if (!source->is_object_like()) {
    if (target->kind == QNode::Kind::Array) {
      array_push(*target, source);
    } else if (target->kind == QNode::Kind::Object) {
      object_set(*target, source->str, make_kind(QNode::Kind::True));
    } else {
      return concat(target, source);
    }
    return target;
  }
  if (!target->is_object_like()) return concat(target, source);
  if (target->kind == QNode::Kind::Array && source->kind == QNode::Kind::Array) {
    for (const auto& [i, item] : source->items) {
      if (QPtr* existing = array_find(*target, i)) {
        if ((*existing)->is_object_like() && item->is_object_like()) {
          *existing = qs_merge(*existing, item);
        } else {
          array_push(*target, item);
        }
      } else {
        array_set(*target, i, item);
      }
    }
    return target;
  }
  QPtr merge_target = target;
  if (target->kind == QNode::Kind::Array) {
    merge_target = make_kind(QNode::Kind::Object);
    merge_target->fields = entries_of(*target);
  }
  for (auto& [key, value] : entries_of(*source)) {
    if (QPtr* existing = object_find(*merge_target, key)) {
      *existing = qs_merge(*existing, value);
    } else {
      merge_target->fields.emplace_back(key, value);
    }
  }
  return merge_target;
}

// "a[b][c]" → "a", "[b]", "[c]"; past kQsDepth the rest is one literal key.
std::vector<std::string> split_key(const std::string& key) {
  // A segment is '[' then no brackets then ']' (qs's /(\[[^[\]]*])/).
  auto next_segment = [&key](size_t from, size_t* begin, size_t* end) {
    for (size_t open = key.find('[', from); open != std::string::npos;
         open = key.find('[', open + 1)) {
      const size_t close = key.find_first_of("[]", open + 1);
      if (close != std::string::npos && key[close] == ']') {
        *begin = open;
        *end = close + 1;
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> keys;
  size_t begin = 0;
  size_t end = 0;
  bool found = next_segment(0, &begin, &end);
  const std::string parent = found ? key.substr(0, begin) : key;
  if (!parent.empty()) keys.push_back(parent);
  int depth = 0;
  size_t from = 0;
  while ((found = next_segment(from, &begin, &end)) && depth < kQsDepth) {
    ++depth;
    keys.push_back(key.substr(begin, end - begin));
    from = end;
  }
  if (found) keys.push_back("[" + key.substr(begin) + "]");
  return keys;
}

// A canonical non-negative integer ("0", "17"; not "01", "-1", "1.5").
bool parse_index(const std::string& s, long* out) {
  if (s.empty() || s.size() > 9) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

QPtr qs_object(const std::vector<std::string>& chain, QPtr leaf) {
  for (size_t i = chain.size(); i-- > 0;) {
    const std::string& root = chain[i];
    QPtr obj;
    if (root == "[]") {
      obj = concat(nullptr, leaf);
    } else {
      const bool bracketed = root.size() >= 2 && root.front() == '[' && root.back() == ']';
      const std::string clean = bracketed ? root.substr(1, root.size() - 2) : root;
      long index = 0;
      if (bracketed && parse_index(clean, &index) && index <= kQsArrayLimit) {
        obj = make_kind(QNode::Kind::Array);
        array_set(*obj, index, leaf);
      } else {
        obj = make_kind(QNode::Kind::Object);
        if (clean != "__proto__") object_set(*obj, clean, leaf);
      }
    }
    leaf = obj;
  }
  return leaf;
}

Value to_value(const QNode& n) {
  switch (n.kind) {
    case QNode::Kind::String:
      return Value(n.str);
    case QNode::Kind::True:
      return Value(true);
    case QNode::Kind::Array: {
      Array a;  // compacted: holes dropped
      a.reserve(n.items.size());
      for (const auto& [i, v] : n.items) a.push_back(to_value(*v));
      return Value(std::move(a));
    }
    case QNode::Kind::Object: {
      Map m;
      for (const auto& [k, v] : n.fields) m.set(k, to_value(*v));
      return Value(std::move(m));
    }
  }
  return Value();
}

// Splits on '&', at most `limit` parts, empty parts skipped.
std::vector<std::string_view> split_params(std::string_view s, size_t limit) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size() && parts.size() < limit) {
    size_t amp = s.find('&', start);
    if (amp == std::string_view::npos) amp = s.size();
    if (amp > start) parts.push_back(s.substr(start, amp - start));
    start = amp + 1;
  }
  return parts;
}

// "application/json; charset=UTF-8" → media type and charset, lower-cased.
void parse_content_type(std::string_view header, std::string* type, std::string* charset) {
  size_t semi = header.find(';');
  *type = krl::lower_ascii(trim(header.substr(0, semi)));
  charset->clear();
  while (semi != std::string_view::npos) {
    header = header.substr(semi + 1);
    semi = header.find(';');
    const std::string param = trim(header.substr(0, semi));
    const size_t eq = param.find('=');
    if (eq != std::string::npos && krl::lower_ascii(trim(param.substr(0, eq))) == "charset") {
      std::string v = trim(param.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      *charset = krl::lower_ascii(v);
    }
  }
}

bool is_json_type(const std::string& type) {
  return type == "application/json" || type == "application/octet-stream" ||
         type == "application/ssi-agent-wire";
}

}  // namespace

bool decode_uri_component(std::string_view in, std::string* out) {
  std::string bytes;
  bytes.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      bytes += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_digit(in[i + 1]);
    const int lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    bytes += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  for (size_t i = 0; i < bytes.size();) {
    const size_t n = utf8_sequence_length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  *out = std::move(bytes);
  return true;
}

Value parse_query_string(std::string_view query) {
  // Flat pass: decoded keys in first-seen order; a repeated key collects an array.
  auto flat = make_kind(QNode::Kind::Object);
  for (std::string_view part : split_params(query, kQsParameterLimit)) {
    // "a[b]=c=d": split at "]=" when present, else at the first '='.
    size_t pos = part.find("]=");
    pos = pos == std::string_view::npos ? part.find('=') : pos + 1;
    std::string key;
    QPtr val;
    if (pos == std::string_view::npos) {
      key = qs_decode(part);
      val = make_string("");
    } else {
      key = qs_decode(part.substr(0, pos));
      val = make_string(qs_decode(part.substr(pos + 1)));
    }
    if (QPtr* existing = object_find(*flat, key)) {
      *existing = concat(*existing, val);
    } else {
      flat->fields.emplace_back(std::move(key), std::move(val));
    }
  }
  // Nesting pass: each key's bracket chain, merged into one object.
  QPtr result = make_kind(QNode::Kind::Object);
  for (auto& [key, val] : flat->fields) {
    if (key.empty()) continue;
    result = qs_merge(result, qs_object(split_key(key), val));
  }
  Value v = to_value(*result);
  return v.is_map() ? v : Value(Map{});
}

Value parse_form(std::string_view body) {
  Map m;
  for (std::string_view part : split_params(body, static_cast<size_t>(-1))) {
    const size_t eq = part.find('=');
    std::string key = querystring_decode(part.substr(0, eq));
    std::string val = eq == std::string_view::npos ? "" : querystring_decode(part.substr(eq + 1));
    if (const Value* existing = m.find(key)) {
      Array a = existing->is_array() ? existing->as_array() : Array{*existing};
      a.emplace_back(std::move(val));
      m.set(std::move(key), Value(std::move(a)));
    } else {
      m.set(std::move(key), Value(std::move(val)));
    }
  }
  return Value(std::move(m));
}

bool parse_body(std::string_view content_type, std::string_view body, bool has_body, Value* out,
                AttributeError* error) {
  *out = Value();
  if (!has_body || content_type.empty()) return true;
  std::string type;
  std::string charset;
  parse_content_type(content_type, &type, &charset);
  if (is_json_type(type)) {
    if (!charset.empty() && charset.compare(0, 4, "utf-") != 0) {
      *error = {415, "UnsupportedMediaTypeError: unsupported charset \"" + charset + "\""};
      return false;
    }
    if (!charset.empty() && charset != "utf-8") {
      *error = {415,
                "UnsupportedMediaTypeError: only UTF-8 JSON is supported, not \"" + charset + "\""};
      return false;
    }
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
      if (body.empty()) {
        *out = Value(Map{});
        return true;
      }
      *error = {400, "SyntaxError: Unexpected end of JSON input"};
      return false;
    }
    if (body[first] != '{') {
      *error = {400, body[first] == '['
                         ? "SyntaxError: the JSON body must be an object, not an array"
                         : "SyntaxError: the JSON body must be an object"};
      return false;
    }
    std::string parse_error;
    if (!krl::parse_json(body, out, &parse_error, krl::kMaxJsonDepth)) {
      *out = Value();
      *error = {400, "SyntaxError: invalid JSON body: " + parse_error};
      return false;
    }
    if (!out->is_map()) {  // cannot happen after the '{' check, but stay safe
      *out = Value();
      *error = {400, "SyntaxError: the JSON body must be an object"};
      return false;
    }
    return true;
  }
  if (type == "application/x-www-form-urlencoded") {
    if (!charset.empty() && charset != "utf-8") {
      *error = {415, "UnsupportedMediaTypeError: unsupported charset \"" + charset + "\""};
      return false;
    }
    if (static_cast<size_t>(std::count(body.begin(), body.end(), '&')) + 1 > kQsParameterLimit) {
      *error = {413, "PayloadTooLargeError: too many parameters"};
      return false;
    }
    *out = parse_form(body);
    return true;
  }
  return true;
}

Value headers_value(const std::vector<std::pair<std::string, std::string>>& fields) {
  // Node's single-valued headers: a repeat is dropped.
  static const char* const kFirstWins[] = {"age",
                                           "authorization",
                                           "content-length",
                                           "content-type",
                                           "etag",
                                           "expires",
                                           "from",
                                           "host",
                                           "if-modified-since",
                                           "if-unmodified-since",
                                           "last-modified",
                                           "location",
                                           "max-forwards",
                                           "proxy-authorization",
                                           "referer",
                                           "retry-after",
                                           "server",
                                           "user-agent"};
  Map m;
  for (const auto& [raw_name, raw_value] : fields) {
    std::string name = krl::lower_ascii(raw_name);
    std::string value = latin1_to_utf8(raw_value);
    const Value* existing = m.find(name);
    if (name == "set-cookie") {
      Array a = existing ? existing->as_array() : Array{};
      a.emplace_back(std::move(value));
      m.set(std::move(name), Value(std::move(a)));
    } else if (!existing) {
      m.set(std::move(name), Value(std::move(value)));
    } else if (std::none_of(std::begin(kFirstWins), std::end(kFirstWins),
                            [&name](const char* k) { return name == k; })) {
      m.set(name, Value(existing->as_string() + ", " + value));
    }
  }
  return Value(std::move(m));
}

Value merge_attributes(const Value& query, const Value& body, const Value& headers) {
  Map m;
  for (const Value* part : {&query, &body}) {
    if (!part->is_map()) continue;
    for (const auto& [k, v] : part->as_map()) m.set(k, v);
  }
  m.set("_headers", headers);
  return Value(std::move(m));
}

}  // namespace spime::channels

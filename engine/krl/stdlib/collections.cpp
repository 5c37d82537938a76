// The collection operator table and the helpers its group files share.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>

#include "engine/krl/stdlib/collections_internal.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {

const std::vector<Builtin>& collection_operators() {
  static const std::vector<Builtin> rows = [] {
    std::vector<Builtin> r;
    collections::add_iteration_operators(r);
    collections::add_array_operators(r);
    collections::add_path_operators(r);
    return r;
  }();
  return rows;
}

namespace collections {

void check_collection_size(EvalContext& ctx, std::size_t n, const char* op) {
  ctx.charge(n);  // the operator copies about n elements: time they take
  if (n > ctx.limits.max_collection_size) {
    throw KrlError(std::string("The .") + op + "() operator would build a collection of " +
                   std::to_string(n) + " elements, over the limit of " +
                   std::to_string(ctx.limits.max_collection_size) + " (max_collection_size)");
  }
}

namespace {

// Deeper than this, js_string refuses rather than recursing without bound.
constexpr int kMaxJsStringDepth = 200;

void append_js_string(const Value& v, int depth, std::string* out) {
  if (depth > kMaxJsStringDepth) throw KrlError("value is nested too deeply to use as a key");
  switch (v.type()) {
    case Type::Array: {
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        if (!e.is_null()) append_js_string(e, depth + 1, out);
      }
      return;
    }
    case Type::Map:
      out->append("[object Object]");
      return;
    case Type::RegExp: {
      const RegExp& re = v.as_regexp();
      out->append("/").append(re.source).append("/");
      if (re.global) out->push_back('g');
      if (re.ignore_case) out->push_back('i');
      return;
    }
    default:
      out->append(to_string(v));
  }
}

}  // namespace

std::string js_string(const Value& v) {
  std::string out;
  append_js_string(v, 0, &out);
  return out;
}

double lodash_to_integer(double n) {
  if (std::isnan(n)) return 0;
  if (std::isinf(n))
    return n > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
  return std::trunc(n);
}

Array lodash_slice(const Array& a, double start, bool has_end, double end) {
  const double length = static_cast<double>(a.size());
  if (a.empty()) return {};
  start = lodash_to_integer(start);
  end = has_end ? lodash_to_integer(end) : length;
  if (start < 0) start = -start > length ? 0 : length + start;
  if (end > length) end = length;
  if (end < 0) end += length;
  if (start >= end) return {};
  // Here 0 <= start < end <= length.
  return Array(a.begin() + static_cast<std::ptrdiff_t>(start),
               a.begin() + static_cast<std::ptrdiff_t>(end));
}

namespace {

// Decodes UTF-8 into code points; an invalid byte counts as one U+FFFD.
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool is_combo(char32_t c) {
  return (c >= 0x300 && c <= 0x36F) || (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x20D0 && c <= 0x20FF);
}
bool is_var_selector(char32_t c) {
  return c == 0xFE0E || c == 0xFE0F;
}
bool is_fitz(char32_t c) {
  return c >= 0x1F3FB && c <= 0x1F3FF;
}
bool is_regional(char32_t c) {
  return c >= 0x1F1E6 && c <= 0x1F1FF;
}
constexpr char32_t kZwj = 0x200D;

}  // namespace

std::size_t lodash_string_size(std::string_view utf8) {
  const std::vector<char32_t> cps = code_points(utf8);
  const std::size_t n = cps.size();
  auto regional_pair = [&](std::size_t i) {
    return i + 1 < n && is_regional(cps[i]) && is_regional(cps[i + 1]);
  };
  // After a symbol: an optional variation selector, then an optional modifier.
  auto skip_var_and_modifier = [&](std::size_t i) {
    if (i < n && is_var_selector(cps[i])) ++i;
    if (i < n && (is_combo(cps[i]) || is_fitz(cps[i]))) ++i;
    return i;
  };
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < n) {
    ++count;
    if (is_fitz(cps[i]) && i + 1 < n && is_fitz(cps[i + 1])) {
      ++i;  // a skin tone followed by another counts alone
      continue;
    }
    if (regional_pair(i)) {
      i += 2;
    } else if (cps[i] >= 0x10000) {
      i += 1;
    } else {
      i += 1;
      if (i < n && is_combo(cps[i])) ++i;
    }
    i = skip_var_and_modifier(i);
    while (i + 1 < n && cps[i] == kZwj) {
      std::size_t j = i + 1;
      j += regional_pair(j) ? 2 : 1;
      i = skip_var_and_modifier(j);
    }
  }
  return count;
}

bool canonical_index(std::string_view key, std::size_t* index) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  std::uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v >= 4294967295ull) return false;
  *index = static_cast<std::size_t>(v);
  return true;
}

namespace {

constexpr int kMaxHashDepth = 64;

std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}

std::size_t hash_at(const Value& v, int depth) {
  const std::size_t tag = static_cast<std::size_t>(v.type());
  if (depth > kMaxHashDepth) return tag;  // equal values truncate alike
  switch (v.type()) {
    case Type::Boolean:
      return mix(tag, v.as_bool() ? 1 : 0);
    case Type::Number: {
      double d = v.as_number();
      if (d == 0) d = 0;  // -0 and 0 are equal
      return mix(tag, std::hash<double>()(d));
    }
    case Type::String:
      return mix(tag, std::hash<std::string>()(v.as_string()));
    case Type::Array: {
      std::size_t h = mix(tag, v.as_array().size());
      for (const Value& e : v.as_array()) h = mix(h, hash_at(e, depth + 1));
      return h;
    }
    case Type::Map: {
      // Key order does not matter to equality: combine entries commutatively.
      std::size_t sum = 0;
      for (const auto& [k, e] : v.as_map()) {
        sum += mix(std::hash<std::string>()(k), hash_at(e, depth + 1));
      }
      return mix(mix(tag, v.as_map().size()), sum);
    }
    case Type::RegExp:
      return mix(tag, std::hash<std::string>()(v.as_regexp().source));
    default:
      return tag;  // null, and callables (whatever equal() makes of them)
  }
}

}  // namespace

std::size_t value_hash(const Value& v) {
  return hash_at(v, 0);
}

bool ValueSet::contains(const Value& v) const {
  auto [lo, hi] = items_.equal_range(value_hash(v));
  for (auto it = lo; it != hi; ++it) {
    if (equal(*it->second, v)) return true;
  }
  return false;
}

void ValueSet::insert(const Value& v) {
  items_.emplace(value_hash(v), &v);
}

void KeyedGroups::add(std::string key, const Value& v) {
  if (const Value* slot = slots_.find(key)) {
    groups_[static_cast<std::size_t>(slot->as_number())].push_back(v);
    return;
  }
  slots_.set(std::move(key), Value(static_cast<double>(groups_.size())));
  groups_.push_back(Array{v});
}

std::vector<std::pair<std::string, const Array*>> KeyedGroups::ordered() const {
  std::vector<std::pair<std::string, const Array*>> out;
  out.reserve(groups_.size());
  for (const auto& [key, slot] : slots_) {
    out.emplace_back(key, &groups_[static_cast<std::size_t>(slot.as_number())]);
  }
  return out;
}

}  // namespace collections
}  // namespace spime::krl::stdlib

// Infix and prefix operators with the reference's coercions (see infix.h and
// krl-stdlib's stdlib.ts "+", "-", ..., "><", like, cmp).
#include "engine/krl/stdlib/infix.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/krl/error.h"
#include "engine/krl/regexp.h"

namespace spime::krl::stdlib {

namespace {

// The reference's isNumber: a finite number.
bool is_finite_number(const Value& v) {
  return v.is_number() && std::isfinite(v.as_number());
}

bool is_canonical_index(std::string_view k, size_t* out) {
  if (k.empty() || k.size() > 10 || (k[0] == '0' && k.size() > 1)) return false;
  size_t n = 0;
  for (char c : k) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  *out = n;
  return true;
}

// hasOwnProperty(obj, key) on KRL values, as JavaScript answers it.
const Value* own_property(const Value& obj, const std::string& key, bool* present) {
  *present = false;
  size_t i;
  if (obj.is_map()) {
    const Value* v = obj.as_map().find(key);
    *present = v != nullptr;
    return v;
  }
  if (obj.is_array()) {
    if (key == "length") {
      *present = true;
    } else if (is_canonical_index(key, &i) && i < obj.as_array().size()) {
      *present = true;
      return &obj.as_array()[i];
    }
  } else if (obj.is_string()) {
    *present = key == "length" || (is_canonical_index(key, &i) && i < obj.as_string().size());
  }
  return nullptr;
}

// lodash's stringToPath, for the path forms KRL code writes: a.b, a[0], a["b"].
std::vector<std::string> string_to_path(const std::string& s) {
  std::vector<std::string> path;
  size_t i = 0;
  if (!s.empty() && s[0] == '.') path.emplace_back();
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
      if (i == s.size() || s[i] == '.') path.emplace_back();
      continue;
    }
    if (s[i] == '[') {
      size_t close = s.find(']', i);
      if (close == std::string::npos) {
        path.emplace_back(s.substr(i));
        break;
      }
      std::string inner = s.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner.back() == inner[0]) {
        inner = inner.substr(1, inner.size() - 2);
      }
      path.push_back(inner);
      i = close + 1;
      continue;
    }
    size_t end = s.find_first_of(".[", i);
    if (end == std::string::npos) end = s.size();
    path.emplace_back(s.substr(i, end - i));
    i = end;
  }
  return path;
}

// lodash _.has(obj, path).
bool lodash_has(const Value& obj, const Value& path_value) {
  std::vector<std::string> path;
  if (path_value.is_array()) {
    for (const Value& p : path_value.as_array()) path.push_back(to_string(p));
  } else {
    std::string key = to_string(path_value);
    bool present;
    own_property(obj, key, &present);
    // A string with '.' or '[' is a deep path unless it is itself a key.
    if (path_value.is_string() && !present && key.find_first_of(".[") != std::string::npos) {
      path = string_to_path(key);
    } else {
      path.push_back(std::move(key));
    }
  }
  if (path.empty()) return false;
  const Value* cur = &obj;
  for (const std::string& key : path) {
    bool present;
    const Value* next = own_property(*cur, key, &present);
    if (!present) return false;
    static const Value kNull;
    cur = next ? next : &kNull;
  }
  return true;
}

int compare_strings(const std::string& a, const std::string& b) {
  return a == b ? 0 : a > b ? 1 : -1;
}

}  // namespace

Value op_add(const Value& a, const Value& b) {
  if (is_finite_number(a) && is_finite_number(b)) return Value(a.as_number() + b.as_number());
  return Value(to_string(a) + to_string(b));
}

Value op_sub(const Value& a, const Value& b) {
  double x, y;
  if (!to_number(a, &x) || !to_number(b, &y)) {
    throw type_error(to_string(b) + " cannot be subtracted from " + to_string(a));
  }
  return Value(x - y);
}

Value op_mul(const Value& a, const Value& b) {
  double x, y;
  if (!to_number(a, &x) || !to_number(b, &y)) {
    throw type_error(to_string(a) + " cannot be multiplied by " + to_string(b));
  }
  return Value(x * y);
}

Value op_div(const Value& a, const Value& b) {
  double x, y;
  if (!to_number(a, &x) || !to_number(b, &y)) {
    throw type_error(to_string(a) + " cannot be divided by " + to_string(b));
  }
  if (y == 0) return Value(0);  // the reference returns 0 (and logs at debug)
  return Value(x / y);
}

Value op_mod(const Value& a, const Value& b) {
  double x, y;
  if (!to_number(a, &x) || !to_number(b, &y)) {
    throw type_error("Cannot calculate " + to_string(a) + " modulo " + to_string(b));
  }
  if (y == 0) return Value(0);
  return Value(std::fmod(x, y));
}

Value op_neg(const Value& a) {
  double x;
  if (!to_number(a, &x)) throw type_error("Cannot negate " + to_string(a));
  return Value(-x);
}

bool op_eq(const Value& a, const Value& b) {
  return equal(a, b);
}

int op_spaceship(const Value& a, const Value& b) {
  double x, y;
  if (to_number(a, &x) && to_number(b, &y)) return x == y ? 0 : x > y ? 1 : -1;
  // Either is not a number: compare as strings.
  return compare_strings(to_string(a), to_string(b));
}

int op_cmp(const Value& a, const Value& b) {
  return compare_strings(to_string(a), to_string(b));
}

bool op_lt(const Value& a, const Value& b) {
  return op_spaceship(a, b) < 0;
}
bool op_gt(const Value& a, const Value& b) {
  return op_spaceship(a, b) > 0;
}
bool op_le(const Value& a, const Value& b) {
  return op_spaceship(a, b) <= 0;
}
bool op_ge(const Value& a, const Value& b) {
  return op_spaceship(a, b) >= 0;
}

bool op_like(const Value& a, const Value& b) {
  std::string text = to_string(a);
  if (b.is_regexp()) return regexp_search(b.as_regexp(), text, nullptr);
  return regexp_search(*make_regexp(to_string(b)), text, nullptr);
}

bool op_has(const Value& a, const Value& b) {
  if (a.is_array()) {
    for (const Value& v : a.as_array()) {
      if (equal(v, b)) return true;
    }
    return false;
  }
  if (a.is_map()) return lodash_has(a, b);
  return false;  // the reference: false for anything else
}

}  // namespace spime::krl::stdlib

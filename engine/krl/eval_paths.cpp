// Paths into maps and arrays, as the reference's stdlib get/set/delete
// (lodash _.get/_.set/_.unset over toKeyPath): `x{["a","b"]}`,
// `ent:x{path} := v`, `clear ent:x{path}`.
#include <string>
#include <utility>

#include "engine/krl/eval_nodes.h"

namespace spime::krl::detail {
namespace {

// A canonical array index ("0", "12"; not "01", "-1", "1.5").
bool array_index(const std::string& key, size_t* out) {
  if (key.empty() || key.size() > 15) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  size_t n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  *out = n;
  return true;
}

Map array_as_map(const Array& a) {
  Map m;
  for (size_t i = 0; i < a.size(); ++i) m.set(std::to_string(i), a[i]);
  return m;
}

Value set_in(const Value& cur, const std::vector<std::string>& keys, size_t i, const Value& v) {
  const std::string& key = keys[i];
  bool last = i + 1 == keys.size();
  size_t idx = 0;
  if (cur.is_array() && array_index(key, &idx)) {
    Array a = cur.as_array();
    if (idx >= a.size()) a.resize(idx + 1);
    a[idx] = last ? v : set_in(a[idx], keys, i + 1, v);
    return Value(std::move(a));
  }
  Map m;
  if (cur.is_map()) {
    m = cur.as_map();
  } else if (cur.is_array()) {
    m = array_as_map(cur.as_array());
  }
  if (last) {
    m.set(key, v);
  } else {
    const Value* child = m.find(key);
    Value next;
    if (child && (child->is_map() || child->is_array())) {
      next = *child;
    } else {
      // lodash creates an array when the next key is an index.
      size_t ignored = 0;
      next = array_index(keys[i + 1], &ignored) ? Value(Array{}) : Value(Map{});
    }
    m.set(key, set_in(next, keys, i + 1, v));
  }
  return Value(std::move(m));
}

Value delete_in(const Value& cur, const std::vector<std::string>& keys, size_t i) {
  const std::string& key = keys[i];
  bool last = i + 1 == keys.size();
  if (cur.is_map()) {
    const Value* child = cur.as_map().find(key);
    if (!child) return cur;
    Map m = cur.as_map();
    if (last) {
      m.erase(key);
    } else {
      m.set(key, delete_in(*child, keys, i + 1));
    }
    return Value(std::move(m));
  }
  size_t idx = 0;
  if (cur.is_array() && array_index(key, &idx) && idx < cur.as_array().size()) {
    Array a = cur.as_array();
    // `delete arr[i]` leaves a hole, which reads (and encodes) as null.
    a[idx] = last ? Value() : delete_in(a[idx], keys, i + 1);
    return Value(std::move(a));
  }
  return cur;
}

}  // namespace

std::vector<std::string> path_keys(const Value& path) {
  std::vector<std::string> keys;
  if (path.is_array()) {
    keys.reserve(path.as_array().size());
    for (const auto& k : path.as_array())
      keys.push_back(k.is_string() ? k.as_string() : to_string(k));
  } else {
    keys.push_back(path.is_string() ? path.as_string() : to_string(path));
  }
  return keys;
}

Value path_get(const Value& obj, const std::vector<std::string>& keys) {
  const Value* cur = &obj;
  for (const auto& key : keys) {
    if (cur->is_map()) {
      cur = cur->as_map().find(key);
    } else if (cur->is_array()) {
      size_t idx = 0;
      const Array& a = cur->as_array();
      cur = array_index(key, &idx) && idx < a.size() ? &a[idx] : nullptr;
    } else {
      cur = nullptr;
    }
    if (!cur) return Value();
  }
  return *cur;
}

Value path_set(const Value& obj, const std::vector<std::string>& keys, const Value& v) {
  Value base = obj.is_map() || obj.is_array() ? obj : Value(Map{});
  if (keys.empty()) return base;
  return set_in(base, keys, 0, v);
}

Value path_delete(const Value& obj, const std::vector<std::string>& keys) {
  if (keys.empty()) return obj;
  return delete_in(obj, keys, 0);
}

}  // namespace spime::krl::detail

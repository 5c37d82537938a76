// Collection operators addressed by a key path: get, set, put, delete, keys,
// values.
//
// A path is an array of keys or one key; every key is used as its string
// (to_string), so [2, "c"] and ["2", "c"] are the same path. A key reaches
// into an array only when it is a canonical index ("0", "12"; not "01").
//
// Values are immutable: an update copies the containers along the path and
// shares everything else. Paths are walked iteratively, so a long path cannot
// exhaust the stack.
#include <cmath>

#include "engine/krl/stdlib/collections_internal.h"

namespace spime::krl::stdlib::collections {
namespace {

// The reference's toKeyPath.
std::vector<std::string> key_path(const Value& path) {
  std::vector<std::string> keys;
  if (path.is_array()) {
    keys.reserve(path.as_array().size());
    for (const Value& k : path.as_array()) keys.push_back(to_string(k));
  } else {
    keys.push_back(to_string(path));
  }
  return keys;
}

// node[key] for a map or array node; nullptr when absent or not a collection.
const Value* child(const Value& node, const std::string& key) {
  if (node.is_map()) return node.as_map().find(key);
  std::size_t i = 0;
  if (node.is_array() && canonical_index(key, &i) && i < node.as_array().size()) {
    return &node.as_array()[i];
  }
  return nullptr;
}

// A copy of map/array `node` with node[key] = v. On an array, `key` must be a
// canonical index; past the end the array grows, holes reading as null (a JS
// sparse array).
Value assign(EvalContext& ctx, const Value& node, const std::string& key, const Value& v,
             const char* op) {
  ctx.charge(node.is_map() ? node.as_map().size() : node.as_array().size());  // the copy
  if (node.is_map()) {
    Map m = node.as_map();
    m.set(key, v);
    return Value(std::move(m));
  }
  std::size_t i = 0;
  canonical_index(key, &i);
  Array a = node.as_array();
  if (i >= a.size()) {
    check_collection_size(ctx, i + 1, op);
    a.resize(i + 1);
  }
  a[i] = v;
  return Value(std::move(a));
}

// Rebuilds the path bottom-up: nodes[d] takes `replacement` under keys[d] for
// d = depth-1 .. 0; returns the new root.
Value rebuild(EvalContext& ctx, const std::vector<Value>& nodes,
              const std::vector<std::string>& keys, std::size_t depth, Value replacement,
              const char* op) {
  while (depth > 0) {
    --depth;
    replacement = assign(ctx, nodes[depth], keys[depth], replacement, op);
  }
  return replacement;
}

bool is_array_key(const Value& node, const std::string& key) {
  std::size_t i = 0;
  return node.is_array() && canonical_index(key, &i);
}

// lodash's own guard in _.set.
bool forbidden_key(const std::string& k) {
  return k == "__proto__" || k == "constructor" || k == "prototype";
}

// lodash's isIndex for a path key: digits only, no leading zero, below 2^53.
bool lodash_is_index(const std::string& key) {
  if (key.empty() || key.size() > 16 || (key.size() > 1 && key[0] == '0')) return false;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
  }
  return std::stod(key) < 9007199254740991.0;
}

// The value at path in obj, or null. An empty path gives null (as _.get).
Value value_at(const Value& obj, const Value& path) {
  if (!obj.is_array() && !obj.is_map()) return Value();
  const std::vector<std::string> keys = key_path(path);
  if (keys.empty()) return Value();
  const Value* cur = &obj;
  for (const std::string& k : keys) {
    cur = child(*cur, k);
    if (!cur) return Value();
  }
  return *cur;
}

Value op_get(EvalContext&, const BoundArgs& args) {
  return value_at(args[0], args[1]);
}

// obj.set(path, val) as lodash's _.set: missing or non-collection steps become
// an array when the next key is an index, else a map. A non-index key on an
// array sets a property JS keeps out of sight: the array is unchanged.
Value op_set(EvalContext& ctx, const BoundArgs& args) {
  const Value root = args[0].is_array() || args[0].is_map() ? args[0] : Value(Map{});
  const std::vector<std::string> keys = key_path(args[1]);
  const Value& to_set = args[2];
  std::vector<Value> nodes{root};
  for (std::size_t d = 0; d < keys.size(); ++d) {
    const Value& node = nodes[d];
    if (forbidden_key(keys[d]) || (node.is_array() && !is_array_key(node, keys[d]))) {
      return rebuild(ctx, nodes, keys, d, node, "set");
    }
    if (d + 1 == keys.size()) {
      return rebuild(ctx, nodes, keys, d, assign(ctx, node, keys[d], to_set, "set"), "set");
    }
    const Value* next = child(node, keys[d]);
    if (next && (next->is_array() || next->is_map())) {
      nodes.push_back(*next);
    } else if (next && (next->is_callable() || next->is_regexp())) {
      return rebuild(ctx, nodes, keys, d, node, "set");  // a property on a function: unseen
    } else if (lodash_is_index(keys[d + 1])) {
      nodes.push_back(Value(Array{}));
    } else {
      nodes.push_back(Value(Map{}));
    }
  }
  return root;  // empty path
}

// parseInt(key, 10) lands in 0..length (the reference's isSafeArrayIndex).
bool safe_array_index(const Array& a, const std::string& key) {
  std::size_t i = 0;
  while (i < key.size() && std::isspace(static_cast<unsigned char>(key[i]))) ++i;
  bool negative = false;
  if (i < key.size() && (key[i] == '+' || key[i] == '-')) negative = key[i++] == '-';
  if (i >= key.size() || key[i] < '0' || key[i] > '9') return false;
  double n = 0;
  for (; i < key.size() && key[i] >= '0' && key[i] <= '9'; ++i) n = n * 10 + (key[i] - '0');
  if (negative) n = -n;
  return n >= 0 && n <= static_cast<double>(a.size());
}

// An array as a map of its indices (lodash _.assign({}, array)).
Value array_to_map(const Array& a) {
  Map m;
  m.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) m.set(std::to_string(i), a[i]);
  return Value(std::move(m));
}

// val.put(toSet) merges maps (or overlays arrays); val.put(path, toSet)
// replaces the value at path, creating maps (never arrays) on the way and
// turning an array into a map when the next key is not an index within it.
Value op_put(EvalContext& ctx, const BoundArgs& args) {
  const Value& val = args[0];
  if ((!val.is_array() && !val.is_map()) || args.size() < 2) return val;
  const bool whole = args.size() < 3;
  const Value& to_set = whole ? args[1] : args[2];
  const std::vector<std::string> keys = whole ? std::vector<std::string>{} : key_path(args[1]);
  if (keys.empty()) {
    if (to_set.is_map() && val.is_map()) {
      Map m = val.as_map();
      for (const auto& [k, v] : to_set.as_map()) m.set(k, v);
      check_collection_size(ctx, m.size(), "put");
      return Value(std::move(m));
    }
    if (to_set.is_array() && val.is_array()) {
      Array a = val.as_array();
      const Array& over = to_set.as_array();
      if (over.size() > a.size()) a.resize(over.size());
      std::copy(over.begin(), over.end(), a.begin());
      return Value(std::move(a));
    }
    return to_set;
  }
  std::vector<Value> nodes{val};
  for (std::size_t d = 0; d < keys.size(); ++d) {
    const Value& node = nodes[d];
    if (node.is_array() && !is_array_key(node, keys[d])) {
      return rebuild(ctx, nodes, keys, d, node, "put");  // an unseen property
    }
    if (d + 1 == keys.size()) {
      return rebuild(ctx, nodes, keys, d, assign(ctx, node, keys[d], to_set, "put"), "put");
    }
    const Value* next = child(node, keys[d]);
    if (next && next->is_map()) {
      nodes.push_back(*next);
    } else if (next && next->is_array()) {
      nodes.push_back(
          safe_array_index(next->as_array(), keys[d + 1]) ? *next : array_to_map(next->as_array()));
    } else {
      nodes.push_back(Value(Map{}));
    }
  }
  return val;  // not reached: keys is not empty
}

// val.delete(path) as lodash's _.unset: removes a map key; an array element
// becomes a hole (null), as JS `delete` leaves it. An empty path names the
// key "undefined", as in the reference.
Value op_delete(EvalContext& ctx, const BoundArgs& args) {
  const Value& val = args[0];
  std::vector<std::string> keys = key_path(args[1]);
  if (keys.empty()) keys.push_back("undefined");
  std::vector<Value> nodes{val};
  for (std::size_t d = 0; d + 1 < keys.size(); ++d) {
    const Value* next = child(nodes[d], keys[d]);
    if (!next) return val;
    nodes.push_back(*next);
  }
  const Value& parent = nodes.back();
  const std::string& last = keys.back();
  Value updated;
  if (parent.is_map()) {
    if (!parent.as_map().contains(last)) return val;
    Map m = parent.as_map();
    m.erase(last);
    updated = Value(std::move(m));
  } else if (child(parent, last)) {
    updated = assign(ctx, parent, last, Value(), "delete");
  } else {
    return val;
  }
  return rebuild(ctx, nodes, keys, keys.size() - 1, updated, "delete");
}

// The collection keys/values reads: the value itself, or (when path is truthy)
// the value at path.
const Value* keys_target(const Value& val, const Value& path, Value* holder) {
  if (!val.is_array() && !val.is_map()) return nullptr;
  if (!truthy(path)) return &val;
  *holder = value_at(val, path);
  return holder;
}

Value op_keys(EvalContext&, const BoundArgs& args) {
  Value holder;
  const Value* target = keys_target(args[0], args[1], &holder);
  Array out;
  if (target && target->is_map()) {
    for (const auto& entry : target->as_map()) out.push_back(Value(entry.first));
  } else if (target && target->is_array()) {
    for (std::size_t i = 0; i < target->as_array().size(); ++i) {
      out.push_back(Value(std::to_string(i)));
    }
  }
  return Value(std::move(out));
}

Value op_values(EvalContext&, const BoundArgs& args) {
  Value holder;
  const Value* target = keys_target(args[0], args[1], &holder);
  if (target && target->is_array()) return *target;
  Array out;
  if (target && target->is_map()) {
    for (const auto& entry : target->as_map()) out.push_back(entry.second);
  }
  return Value(std::move(out));
}

}  // namespace

void add_path_operators(std::vector<Builtin>& rows) {
  rows.push_back({"get", {"obj", "path"}, op_get});
  rows.push_back({"set", {"obj", "path", "val"}, op_set});
  rows.push_back({"put", {"val", "path", "toSet"}, op_put});
  rows.push_back({"delete", {"val", "path"}, op_delete});
  rows.push_back({"keys", {"val", "path"}, op_keys});
  rows.push_back({"values", {"val", "path"}, op_values});
}

}  // namespace spime::krl::stdlib::collections

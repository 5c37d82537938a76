// Collection operators on whole values: append, head, tail, index, join,
// length, isEmpty, reverse, slice, splice, intersection, union, difference,
// has, once, duplicates, unique, encode.
#include <algorithm>
#include <cmath>

#include "engine/krl/stdlib/collections_internal.h"

namespace spime::krl::stdlib::collections {
namespace {

// lodash's _.concat: the first value (or [value]) followed by the others,
// arrays among them flattened one level.
Array concat(EvalContext& ctx, const Value* parts, int n, const char* op) {
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) total += parts[i].is_array() ? parts[i].as_array().size() : 1;
  check_collection_size(ctx, total, op);
  Array out;
  out.reserve(total);
  for (int i = 0; i < n; ++i) {
    if (parts[i].is_array()) {
      out.insert(out.end(), parts[i].as_array().begin(), parts[i].as_array().end());
    } else {
      out.push_back(parts[i]);
    }
  }
  return out;
}

Value op_append(EvalContext& ctx, const BoundArgs& args) {
  std::vector<Value> parts;
  for (int i = 0; i < args.size(); ++i) parts.push_back(args[i]);
  return concat(ctx, parts.data(), static_cast<int>(parts.size()), "append");
}

// head of a non-array is the value itself; of an empty array, null.
Value op_head(EvalContext&, const BoundArgs& args) {
  const Value& v = args[0];
  if (!v.is_array()) return v;
  return v.as_array().empty() ? Value() : v.as_array().front();
}

Value op_tail(EvalContext&, const BoundArgs& args) {
  const Value& v = args[0];
  if (!v.is_array() || v.as_array().empty()) return Value(Array{});
  return Value(Array(v.as_array().begin() + 1, v.as_array().end()));
}

Value op_index(EvalContext&, const BoundArgs& args) {
  if (!args[0].is_array()) throw type_error("only works on Arrays");
  const Array& a = args[0].as_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (equal(args[1], a[i])) return Value(static_cast<double>(i));
  }
  return Value(-1);
}

Value op_join(EvalContext& ctx, const BoundArgs& args) {
  const Value& v = args[0];
  if (!v.is_array()) return Value(to_string(v));
  const std::string sep = args[1].is_null() ? std::string(",") : to_string(args[1]);
  const Array& a = v.as_array();
  std::vector<std::string> parts;
  parts.reserve(a.size());
  std::size_t total = a.empty() ? 0 : sep.size() * (a.size() - 1);
  for (const Value& e : a) {
    parts.push_back(to_string(e));
    total += parts.back().size();
    if (total > ctx.limits.max_string_bytes) {
      throw KrlError("The .join() operator would build a string over the limit of " +
                     std::to_string(ctx.limits.max_string_bytes) + " bytes (max_string_bytes)");
    }
  }
  std::string out;
  out.reserve(total);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return Value(std::move(out));
}

Value op_length(EvalContext&, const BoundArgs& args) {
  const Value& v = args[0];
  if (v.is_array()) return Value(v.as_array().size());
  if (v.is_map()) return Value(v.as_map().size());
  if (v.is_string()) return Value(lodash_string_size(v.as_string()));
  return Value(0);
}

// lodash's _.isEmpty: only non-empty strings, arrays and maps are not empty.
Value op_is_empty(EvalContext&, const BoundArgs& args) {
  const Value& v = args[0];
  if (v.is_array()) return v.as_array().empty();
  if (v.is_map()) return v.as_map().empty();
  if (v.is_string()) return v.as_string().empty();
  return true;
}

Value op_reverse(EvalContext&, const BoundArgs& args) {
  if (!args[0].is_array()) throw type_error("only works on Arrays");
  const Array& a = args[0].as_array();
  return Value(Array(a.rbegin(), a.rend()));
}

// slice(i): elements 0..i; slice(i, j): elements min..max inclusive, or []
// when that range leaves the array.
Value op_slice(EvalContext&, const BoundArgs& args) {
  const Value& val = args[0];
  if (!val.is_array()) throw type_error("only works on Arrays");
  const Array& a = val.as_array();
  if (a.empty()) return Value(Array{});
  if (args.size() == 1) return val;
  double first = 0;
  if (!to_number(args[1], &first)) {
    throw type_error("The .slice() operator cannot use " + to_string(args[1]) + " as an index");
  }
  const double length = static_cast<double>(a.size());
  if (args.size() == 2) {
    if (first > length) return Value(Array{});
    return Value(lodash_slice(a, 0, true, first + 1));
  }
  double second = 0;
  if (!to_number(args[2], &second)) {
    throw type_error("The .slice() operator cannot use " + to_string(args[2]) +
                     " as the other index");
  }
  if (first > second) std::swap(first, second);
  if (first >= 0 && second < length) return Value(lodash_slice(a, first, true, second + 1));
  return Value(Array{});
}

// splice(start, n[, value]): removes n elements at start (clamped into the
// array) and inserts value there (an array's elements, one level).
Value op_splice(EvalContext& ctx, const BoundArgs& args) {
  const Value& val = args[0];
  if (!val.is_array()) throw type_error("only works on Arrays");
  const Array& a = val.as_array();
  if (a.empty()) return Value(Array{});
  double start = 0;
  if (!to_number(args[1], &start)) {
    // No space before "as": the reference's text.
    throw type_error("The .splice() operator cannot use " + to_string(args[1]) + "as an index");
  }
  const double length = static_cast<double>(a.size());
  start = std::min(std::max(start, 0.0), length - 1);
  double count = 0;
  if (!to_number(args[2], &count)) {
    throw type_error("The .splice() operator cannot use " + to_string(args[2]) +
                     "as a number of elements");
  }
  if (count < 0 || start + count > length) count = length - start;
  const Value before(lodash_slice(a, 0, true, start));
  const Value after(lodash_slice(a, start + count, false, 0));
  if (args.size() < 4) {
    const Value parts[2] = {before, after};
    return Value(concat(ctx, parts, 2, "splice"));
  }
  const Value parts[3] = {before, args[3], after};
  return Value(concat(ctx, parts, 3, "splice"));
}

// The set operators take a non-array operand as a one-element array.
Array as_array(const Value& v) {
  return v.is_array() ? v.as_array() : Array{v};
}

Value op_intersection(EvalContext&, const BoundArgs& args) {
  if (args.size() < 2) return Value(Array{});
  const Array a = as_array(args[0]);
  const Array b = as_array(args[1]);
  ValueSet in_b;
  for (const Value& v : b) in_b.insert(v);
  ValueSet seen;
  Array out;
  for (const Value& v : a) {
    if (in_b.contains(v) && !seen.contains(v)) {
      seen.insert(v);
      out.push_back(v);
    }
  }
  return Value(std::move(out));
}

Value op_union(EvalContext& ctx, const BoundArgs& args) {
  if (args.size() < 2) return args[0];
  const Array a = as_array(args[0]);
  const Array b = as_array(args[1]);
  check_collection_size(ctx, a.size() + b.size(), "union");
  ValueSet seen;
  Array out;
  for (const Array* part : {&a, &b}) {
    for (const Value& v : *part) {
      if (!seen.contains(v)) {
        seen.insert(v);
        out.push_back(v);
      }
    }
  }
  return Value(std::move(out));
}

Array difference(const Array& a, const Array& b) {
  ValueSet in_b;
  for (const Value& v : b) in_b.insert(v);
  Array out;
  for (const Value& v : a) {
    if (!in_b.contains(v)) out.push_back(v);
  }
  return out;
}

Value op_difference(EvalContext&, const BoundArgs& args) {
  if (args.size() < 2) return args[0];
  return Value(difference(as_array(args[0]), as_array(args[1])));
}

// val.has(other): every element of other (or other itself) is in val.
Value op_has(EvalContext&, const BoundArgs& args) {
  return difference(as_array(args[1]), as_array(args[0])).empty();
}

// The reference groups by String(value) (lodash groupBy) and keeps groups in
// JS object key order, so once/duplicates also reorder: [3,1,3,2].once() is
// [1,2].
KeyedGroups group_by_string(const Array& a) {
  KeyedGroups groups;
  for (const Value& v : a) groups.add(js_string(v), v);
  return groups;
}

Value op_once(EvalContext&, const BoundArgs& args) {
  if (!args[0].is_array()) return args[0];
  Array out;
  const KeyedGroups groups = group_by_string(args[0].as_array());
  for (const auto& group : groups.ordered()) {
    if (group.second->size() == 1) out.push_back(group.second->front());
  }
  return Value(std::move(out));
}

Value op_duplicates(EvalContext&, const BoundArgs& args) {
  if (!args[0].is_array()) return Value(Array{});
  Array out;
  const KeyedGroups groups = group_by_string(args[0].as_array());
  for (const auto& group : groups.ordered()) {
    if (group.second->size() > 1) out.push_back(group.second->front());
  }
  return Value(std::move(out));
}

Value op_unique(EvalContext&, const BoundArgs& args) {
  if (!args[0].is_array()) return args[0];
  ValueSet seen;
  Array out;
  for (const Value& v : args[0].as_array()) {
    if (!seen.contains(v)) {
      seen.insert(v);
      out.push_back(v);
    }
  }
  return Value(std::move(out));
}

}  // namespace

void add_array_operators(std::vector<Builtin>& rows) {
  rows.push_back({"append", {"val", "a", "b", "c", "d", "e"}, op_append});
  rows.push_back({"head", {"val"}, op_head});
  rows.push_back({"tail", {"val"}, op_tail});
  rows.push_back({"index", {"val", "elm"}, op_index});
  rows.push_back({"join", {"val", "str"}, op_join});
  rows.push_back({"length", {"val"}, op_length});
  rows.push_back({"isEmpty", {"val"}, op_is_empty});
  rows.push_back({"reverse", {"val"}, op_reverse});
  rows.push_back({"slice", {"val", "start", "end"}, op_slice});
  rows.push_back({"splice", {"val", "start", "nElements", "value"}, op_splice});
  rows.push_back({"intersection", {"a", "b"}, op_intersection});
  rows.push_back({"union", {"a", "b"}, op_union});
  rows.push_back({"difference", {"a", "b"}, op_difference});
  rows.push_back({"has", {"val", "other"}, op_has});
  rows.push_back({"once", {"val"}, op_once});
  rows.push_back({"duplicates", {"val"}, op_duplicates});
  rows.push_back({"unique", {"val"}, op_unique});
}

}  // namespace spime::krl::stdlib::collections

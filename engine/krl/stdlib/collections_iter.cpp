// Collection operators that call back into KRL: all, notall, any, none,
// collect, filter, map, pairwise, reduce, sort.
//
// Callbacks receive what the reference passes: (value, index or key, the whole
// collection); reduce passes (accumulator, value, index, array).
#include <algorithm>

#include "engine/krl/stdlib/collections_internal.h"
#include "engine/krl/stdlib/infix.h"

namespace spime::krl::stdlib::collections {
namespace {

// The reference's iterBase: visits an array's (value, index) or a map's
// (value, key) until `visit` returns false. Anything else is a TypeError.
template <typename Visit>
void iterate(const Value& coll, Visit visit) {
  if (coll.is_array()) {
    const Array& a = coll.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!visit(a[i], Value(static_cast<double>(i)))) return;
    }
  } else if (coll.is_map()) {
    for (const auto& [k, v] : coll.as_map()) {
      if (!visit(v, Value(k))) return;
    }
  } else {
    throw type_error("only works on collections");
  }
}

// Calls `iter(value, key, coll)`; a null `iter` is the identity function (as
// the reference substitutes for map, filter and collect).
Value call_iter(EvalContext& ctx, const Value& iter, const Value& v, const Value& key,
                const Value& coll, bool identity_when_null) {
  if (identity_when_null && iter.is_null()) return v;
  return call_function(ctx, iter, {v, key, coll});
}

bool all_of(EvalContext& ctx, const BoundArgs& args) {
  bool broke = false;
  iterate(args[0], [&](const Value& v, const Value& k) {
    if (!truthy(call_iter(ctx, args[1], v, k, args[0], false))) {
      broke = true;
      return false;
    }
    return true;
  });
  return !broke;
}

bool any_of(EvalContext& ctx, const BoundArgs& args) {
  bool found = false;
  iterate(args[0], [&](const Value& v, const Value& k) {
    if (truthy(call_iter(ctx, args[1], v, k, args[0], false))) {
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

Value op_all(EvalContext& ctx, const BoundArgs& args) {
  return all_of(ctx, args);
}
Value op_notall(EvalContext& ctx, const BoundArgs& args) {
  return !all_of(ctx, args);
}
Value op_any(EvalContext& ctx, const BoundArgs& args) {
  return any_of(ctx, args);
}
Value op_none(EvalContext& ctx, const BoundArgs& args) {
  return !any_of(ctx, args);
}

// Groups values under String(iter(v, k, coll)), in JS object key order.
Value op_collect(EvalContext& ctx, const BoundArgs& args) {
  KeyedGroups groups;
  iterate(args[0], [&](const Value& v, const Value& k) {
    groups.add(js_string(call_iter(ctx, args[1], v, k, args[0], true)), v);
    return true;
  });
  Map out;
  for (const auto& [key, members] : groups.ordered()) out.set(key, Value(*members));
  return Value(std::move(out));
}

Value op_filter(EvalContext& ctx, const BoundArgs& args) {
  const Value& coll = args[0];
  if (coll.is_array()) {
    Array out;
    iterate(coll, [&](const Value& v, const Value& k) {
      if (truthy(call_iter(ctx, args[1], v, k, coll, true))) out.push_back(v);
      return true;
    });
    return Value(std::move(out));
  }
  Map out;
  iterate(coll, [&](const Value& v, const Value& k) {
    if (truthy(call_iter(ctx, args[1], v, k, coll, true))) out.set(k.as_string(), v);
    return true;
  });
  return Value(std::move(out));
}

Value op_map(EvalContext& ctx, const BoundArgs& args) {
  const Value& coll = args[0];
  if (coll.is_array()) {
    Array out;
    out.reserve(coll.as_array().size());
    iterate(coll, [&](const Value& v, const Value& k) {
      out.push_back(call_iter(ctx, args[1], v, k, coll, true));
      return true;
    });
    return Value(std::move(out));
  }
  Map out;
  iterate(coll, [&](const Value& v, const Value& k) {
    out.set(k.as_string(), call_iter(ctx, args[1], v, k, coll, true));
    return true;
  });
  return Value(std::move(out));
}

// Zips the arrays of an array (a non-array element acts as a one-element
// array) and calls iter with one element of each, padding with null.
Value op_pairwise(EvalContext& ctx, const BoundArgs& args) {
  const Value& val = args[0];
  const Value& iter = args[1];
  if (!val.is_array()) {
    throw type_error("The .pairwise() operator cannot be called on " + to_string(val));
  }
  const Array& lists = val.as_array();
  if (lists.size() < 2) throw type_error("The .pairwise() operator needs a longer array");
  if (!iter.is_function()) {
    throw type_error("The .pairwise() operator cannot use " + to_string(iter) + " as a function");
  }
  std::size_t max_len = 0;
  for (const Value& l : lists) max_len = std::max(max_len, l.is_array() ? l.as_array().size() : 1);
  Array out;
  out.reserve(max_len);
  for (std::size_t i = 0; i < max_len; ++i) {
    std::vector<Value> call_args;
    call_args.reserve(lists.size());
    for (const Value& l : lists) {
      if (l.is_array()) {
        call_args.push_back(i < l.as_array().size() ? l.as_array()[i] : Value());
      } else {
        call_args.push_back(i == 0 ? l : Value());
      }
    }
    out.push_back(call_function(ctx, iter, std::move(call_args)));
  }
  return Value(std::move(out));
}

// reduce(iter) folds from the first element; reduce(iter, dflt) from dflt.
// An empty array gives 0 (or dflt) without calling iter.
Value op_reduce(EvalContext& ctx, const BoundArgs& args) {
  const Value& val = args[0];
  const Value& iter = args[1];
  if (!val.is_array()) throw type_error("only works on Arrays");
  const Array& a = val.as_array();
  const bool no_default = args.size() < 3;
  if (a.empty()) return no_default ? Value(0) : args[2];
  if (!iter.is_function() && (no_default || a.size() > 1)) {
    throw KrlError("The .reduce() operator cannot use " + to_string(iter) + " as a function");
  }
  std::size_t i = 0;
  Value acc = args[2];
  if (no_default) acc = a[i++];
  for (; i < a.size(); ++i) {
    acc = call_function(ctx, iter, {acc, a[i], Value(static_cast<double>(i)), val});
  }
  return acc;
}

// JavaScript's `x <= 0` for a comparator's result.
bool js_at_most_zero(const Value& r) {
  double n = 0;
  switch (r.type()) {
    case Type::Null:
      return true;
    case Type::Boolean:
    case Type::Number:
    case Type::String:
      return to_number(r, &n) && n <= 0;
    case Type::Array:  // compared through its joined string
      return to_number(Value(js_string(r)), &n) && n <= 0;
    default:
      return false;  // NaN
  }
}

// A stable bottom-up merge sort taking the left element while
// `left_first(left, right)`; safe with inconsistent comparators (a KRL
// function may return anything).
template <typename LeftFirst>
Array merge_sort(Array a, LeftFirst left_first) {
  const std::size_t n = a.size();
  Array tmp(n);
  for (std::size_t width = 1; width < n; width *= 2) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, n);
      const std::size_t hi = std::min(lo + 2 * width, n);
      std::size_t l = lo, r = mid, w = lo;
      while (l < mid && r < hi) tmp[w++] = left_first(a[l], a[r]) ? a[l++] : a[r++];
      while (l < mid) tmp[w++] = a[l++];
      while (r < hi) tmp[w++] = a[r++];
    }
    a.swap(tmp);
  }
  return a;
}

// sort(): "default" (string order, cmp), "reverse", "numeric" (<=>),
// "ciremun" (numeric descending), or a KRL comparator function; anything else
// is the default order. Non-arrays are returned as they are.
Value op_sort(EvalContext& ctx, const BoundArgs& args) {
  const Value& val = args[0];
  const Value& by = args[1];
  if (!val.is_array()) return val;
  const Array& a = val.as_array();
  if (by.is_string()) {
    const std::string& name = by.as_string();
    if (name == "reverse") {
      return merge_sort(a, [](const Value& x, const Value& y) { return -op_cmp(x, y) <= 0; });
    }
    if (name == "numeric") {
      return merge_sort(a, [](const Value& x, const Value& y) { return op_spaceship(x, y) <= 0; });
    }
    if (name == "ciremun") {
      return merge_sort(a, [](const Value& x, const Value& y) { return -op_spaceship(x, y) <= 0; });
    }
  }
  if (by.is_function()) {
    return merge_sort(a, [&](const Value& x, const Value& y) {
      return js_at_most_zero(call_function(ctx, by, {x, y}));
    });
  }
  return merge_sort(a, [](const Value& x, const Value& y) { return op_cmp(x, y) <= 0; });
}

}  // namespace

void add_iteration_operators(std::vector<Builtin>& rows) {
  rows.push_back({"all", {"val", "iter"}, op_all});
  rows.push_back({"notall", {"val", "iter"}, op_notall});
  rows.push_back({"any", {"val", "iter"}, op_any});
  rows.push_back({"none", {"val", "iter"}, op_none});
  rows.push_back({"collect", {"val", "iter"}, op_collect});
  rows.push_back({"filter", {"val", "iter"}, op_filter});
  rows.push_back({"map", {"val", "iter"}, op_map});
  rows.push_back({"pairwise", {"val", "iter"}, op_pairwise});
  rows.push_back({"reduce", {"val", "iter", "dflt"}, op_reduce});
  rows.push_back({"sort", {"val", "sortBy"}, op_sort});
}

}  // namespace spime::krl::stdlib::collections

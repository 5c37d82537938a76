// Private helpers of the collection operators (collections*.cpp). Not a
// contract: only the collection files include this.
//
// The operators follow the reference's krl-stdlib, which leans on lodash; the
// helpers here reproduce the lodash/JavaScript behaviours the operators show
// to KRL (JS property-key strings, lodash slice arithmetic, string "size").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/krl/callable.h"
#include "engine/krl/value.h"

namespace spime::krl::stdlib::collections {

// Rows of the operator table, one function per source file.
void add_iteration_operators(std::vector<Builtin>& rows);  // collections_iter.cpp
void add_array_operators(std::vector<Builtin>& rows);      // collections_array.cpp
void add_path_operators(std::vector<Builtin>& rows);       // collections_path.cpp

// Throws a KrlError when an operation would build a collection of `n`
// elements, over ctx.limits.max_collection_size.
void check_collection_size(EvalContext& ctx, std::size_t n, const char* op);

// JavaScript's String(v), which the reference uses as an object key when it
// groups values (collect, once, duplicates): arrays join their elements with
// "," (null as ""), maps are "[object Object]", regexps "/src/flags".
std::string js_string(const Value& v);

// lodash's toInteger: truncates toward zero; NaN (null) is 0.
double lodash_to_integer(double n);
// lodash's _.slice(array, start, end) with `end` omitted when !has_end.
Array lodash_slice(const Array& a, double start, bool has_end, double end);

// lodash's _.size of a string: the number of symbols, where a combining mark,
// variation selector, skin-tone modifier or zero-width-joined sequence counts
// with the character before it and a regional-indicator pair is one.
std::size_t lodash_string_size(std::string_view utf8);

// If `key` is a canonical array index ("0", "1", ... no leading zeros, below
// 2^32-1), stores it in *index and returns true.
bool canonical_index(std::string_view key, std::size_t* index);

// A hash consistent with equal(): equal values hash alike.
std::size_t value_hash(const Value& v);

// A multiset of values compared with equal(), hashed by value_hash().
// Holds pointers: the values must outlive it.
class ValueSet {
 public:
  bool contains(const Value& v) const;
  void insert(const Value& v);

 private:
  std::unordered_multimap<std::size_t, const Value*> items_;
};

// Groups values by a string key the way a JS object groups them: the result
// lists groups in JS key order (canonical indices ascending, then first
// appearance).
class KeyedGroups {
 public:
  void add(std::string key, const Value& v);
  // (key, members) in JS key order.
  std::vector<std::pair<std::string, const Array*>> ordered() const;

 private:
  Map slots_;  // key -> index into groups_ (the Map gives JS key order)
  std::vector<Array> groups_;
};

}  // namespace spime::krl::stdlib::collections

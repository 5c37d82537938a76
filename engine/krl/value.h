// KRL values.
//
// A Value is one of: null, boolean, number (double), string, array, map,
// regexp, function, action. Values are immutable once built and cheap to copy:
// scalars are held inline, everything else behind a shared pointer to const
// data, so copying a Value never copies a string, array or map.
//
// Semantics follow the reference engine (Picolab/pico-engine 1.x, krl-stdlib):
//  * a Map keeps JavaScript's key order: keys that are canonical array indices
//    ("0", "1", ... up to 2^32-2) come first in ascending numeric order, then
//    every other key in insertion order;
//  * numbers print as JavaScript prints them (3, not 3.0; 1e+21; 1e-7);
//  * NaN is never stored: a NaN result becomes null (krl isNull(NaN) is true);
//  * JavaScript's `undefined` exists in one place, a `setting()` variable of a
//    select-when branch that did not match: Value::undefined() is null in
//    every respect (is_null, typeof "Null", ==) except that a map entry
//    holding it is left out of JSON, as JSON.stringify leaves it out.
//
// Thread-safety: a Value may be read from many threads at once; it is never
// modified after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace spime::krl {

class Value;
class Map;
class Function;
struct RegExp;

using Array = std::vector<Value>;

// The KRL type names, as typeof() prints them.
enum class Type : std::uint8_t {
  Null,
  Boolean,
  Number,
  String,
  Array,
  Map,
  RegExp,
  Function,        // a function (callable in expressions)
  Action,          // an action (callable in action blocks)
  ActionFunction,  // both (e.g. http:post)
};

// typeof() name: "Null", "Boolean", "Number", "String", "Array", "Map",
// "RegExp", "Function", "Action", "ActionFunction".
std::string_view type_name(Type t);

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(double n);  // NaN becomes null
  Value(int n) : v_(static_cast<double>(n)) {}
  Value(long n) : v_(static_cast<double>(n)) {}
  Value(long long n) : v_(static_cast<double>(n)) {}
  Value(unsigned n) : v_(static_cast<double>(n)) {}
  Value(unsigned long n) : v_(static_cast<double>(n)) {}
  Value(std::string s) : v_(std::make_shared<const std::string>(std::move(s))) {}
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(Array a) : v_(std::make_shared<const Array>(std::move(a))) {}
  Value(Map m);
  Value(std::shared_ptr<const std::string> s) : v_(std::move(s)) {}
  Value(std::shared_ptr<const Array> a) : v_(std::move(a)) {}
  Value(std::shared_ptr<const Map> m) : v_(std::move(m)) {}
  Value(std::shared_ptr<const RegExp> r) : v_(std::move(r)) {}
  Value(std::shared_ptr<const Function> f) : v_(std::move(f)) {}
  // JavaScript's undefined (see the top of this file).
  static Value undefined() {
    Value v;
    v.v_ = Undefined{};
    return v;
  }

  Type type() const;

  bool is_null() const { return v_.index() == 0 || v_.index() == 8; }
  bool is_undefined() const { return v_.index() == 8; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_number() const { return v_.index() == 2; }
  bool is_string() const { return v_.index() == 3; }
  bool is_array() const { return v_.index() == 4; }
  bool is_map() const { return v_.index() == 5; }
  bool is_regexp() const { return v_.index() == 6; }
  bool is_callable() const { return v_.index() == 7; }
  bool is_function() const;  // Function or ActionFunction
  bool is_action() const;    // Action or ActionFunction

  // Accessors. Precondition: the matching is_*() is true.
  bool as_bool() const { return std::get<1>(v_); }
  double as_number() const { return std::get<2>(v_); }
  const std::string& as_string() const { return *std::get<3>(v_); }
  const Array& as_array() const { return *std::get<4>(v_); }
  const Map& as_map() const { return *std::get<5>(v_); }
  const RegExp& as_regexp() const { return *std::get<6>(v_); }
  const Function& as_function() const { return *std::get<7>(v_); }

  // True when both are one object: the same shared storage, or equal scalars of the same
  // type. Constant time; false says nothing about equality (two equal maps built apart).
  bool is_same_object(const Value& other) const;

  // The shared storage, for building new values that share parts of this one.
  const std::shared_ptr<const std::string>& string_ptr() const { return std::get<3>(v_); }
  const std::shared_ptr<const Array>& array_ptr() const { return std::get<4>(v_); }
  const std::shared_ptr<const Map>& map_ptr() const { return std::get<5>(v_); }
  const std::shared_ptr<const RegExp>& regexp_ptr() const { return std::get<6>(v_); }
  const std::shared_ptr<const Function>& function_ptr() const { return std::get<7>(v_); }

 private:
  struct Undefined {};
  std::variant<std::monostate, bool, double, std::shared_ptr<const std::string>,
               std::shared_ptr<const Array>, std::shared_ptr<const Map>,
               std::shared_ptr<const RegExp>, std::shared_ptr<const Function>, Undefined>
      v_;
};

// An insertion-ordered string-keyed map with JavaScript key order (see top).
// Mutable while being built; shared as `const Map` inside a Value.
class Map {
 public:
  using Entry = std::pair<std::string, Value>;

  Map() = default;
  Map(std::initializer_list<Entry> entries);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // nullptr when absent.
  const Value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Inserts or replaces; a replaced key keeps its position.
  void set(std::string key, Value value);
  // Returns true if the key was present.
  bool erase(std::string_view key);
  void reserve(size_t n) { entries_.reserve(n); }

  // Entries in KRL order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
  // Lookups are linear below a small size; larger maps keep a hash index
  // (built lazily, owned here, invisible to callers).
  mutable std::shared_ptr<void> index_;
  void invalidate_index() { index_.reset(); }
};

// A compiled regular expression, from `re#source#flags` or as("RegExp").
// Flags: g (global), i (ignore case); others are refused at construction.
struct RegExp {
  std::string source;
  bool global = false;
  bool ignore_case = false;
  std::shared_ptr<const void> compiled;  // engine-specific compiled form (see regexp.h)
};

// ---- Conversions shared by the evaluator and the standard library ----------

// JavaScript's Number#toString for a finite double.
std::string number_to_string(double n);

// The reference's toString: strings as is, "null", "true"/"false", numbers as
// JS prints them, "re#src#flags", and "[Array]", "[Map]", "[Function]",
// "[Action]", "[ActionFunction]" for the rest.
std::string to_string(const Value& v);

// Truthiness as the reference: null, false, 0, "" are false; everything else
// (including empty arrays and maps) is true.
bool truthy(const Value& v);

// Deep equality as the reference's isEqual (== operator).
bool equal(const Value& a, const Value& b);

// The reference's toNumberOrNull: null->0, bool->0/1, numeric strings parsed as
// JS Number() does ("" -> 0, " 12 " -> 12, "0x1f" -> 31), array/map->size,
// anything else -> nullopt (reported as null).
bool to_number(const Value& v, double* out);

// JSON. Functions/regexps/actions encode as their to_string() (as the
// reference's encode). `indent` 0 means compact.
std::string encode_json(const Value& v, int indent = 0);
// `v` as JSON.parse(JSON.stringify(v)) leaves it (pico-framework's cleanEvent
// does this to event attributes): a regexp becomes {}, a function or action
// (or undefined) is dropped from a map and becomes null in an array (and at the top),
// non-finite numbers become null. Values that are JSON already are returned
// as they are (shared, not copied).
Value json_clean(const Value& v);

// Parses JSON text into a Value. Returns false and sets *error (a short
// message with the byte offset) on malformed input, invalid UTF-8 or nesting
// deeper than max_depth.
bool parse_json(std::string_view text, Value* out, std::string* error, int max_depth = 64);

}  // namespace spime::krl

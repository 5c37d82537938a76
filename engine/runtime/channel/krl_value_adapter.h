// A valijson adapter over krl::Value (internal to attrs_schema.cpp).
//
// valijson walks JSON documents through an "adapter": a small value-semantic
// view of one node with type tests, accessors and iteration. This one wraps a
// `const krl::Value*`, so a schema and the attributes it validates are read in
// place: nothing is converted or copied, except that valijson's interface hands
// strings out as std::string (copied where a string constraint needs it) and
// keys as `const std::string&`.
//
// Types are strict, as JSON Schema wants them: a KRL number is a JSON number,
// an "integer" when it has no fractional part; a numeric string is a string
// (the maybe*() casts of valijson's weak mode are not offered: maybeX() is
// isX()). RegExp and function values (never in request attributes) are of no
// JSON type and fail every "type".
//
// Work bound: an adapter may carry a Budget. Every type test counts one step;
// past max_steps, when the ValidationResults being filled hold more than
// max_errors entries, or when valijson's recursion has used more than
// max_stack bytes of stack, the adapter throws BudgetExceeded, which unwinds
// out of valijson (exception-safe: it only uses standard containers) to the
// caller.
//
// Thread-safety: adapters only read the values they view; the Budget is owned
// by one validation on one thread.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <valijson/exceptions.hpp>
#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>
#include <valijson/validation_results.hpp>

#include "engine/krl/value.h"

namespace spime::runtime::attrs_schema_detail {

struct Budget {
  std::uint64_t steps = 0;
  std::uint64_t max_steps = 0;
  const valijson::ValidationResults* results = nullptr;  // the one being filled, if any
  std::size_t max_errors = 0;
  // The stack at the start of the validation, and how much more of it
  // valijson's recursion may use.
  std::uintptr_t stack_base = 0;
  std::size_t max_stack = 0;
};

// Where this thread's stack is now (the frame of the caller).
inline std::uintptr_t stack_position() {
  return reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
}

// Thrown by an adapter whose Budget is spent (deliberately not a std::exception).
struct BudgetExceeded {};

class KrlValueAdapter;
using KrlObjectMember = std::pair<const std::string&, KrlValueAdapter>;

class KrlArrayIterator;
class KrlObjectIterator;

// The elements of an array node.
class KrlArray {
 public:
  using const_iterator = KrlArrayIterator;
  using iterator = KrlArrayIterator;

  KrlArray() : a_(&empty()), budget_(nullptr) {}
  KrlArray(const krl::Array& a, Budget* budget) : a_(&a), budget_(budget) {}

  KrlArrayIterator begin() const;
  KrlArrayIterator end() const;
  std::size_t size() const { return a_->size(); }

 private:
  static const krl::Array& empty() {
    static const krl::Array a;
    return a;
  }
  const krl::Array* a_;
  Budget* budget_;
};

// The members of a map node, in KRL order.
class KrlObject {
 public:
  using const_iterator = KrlObjectIterator;
  using iterator = KrlObjectIterator;

  KrlObject() : m_(&empty()), budget_(nullptr) {}
  KrlObject(const krl::Map& m, Budget* budget) : m_(&m), budget_(budget) {}

  KrlObjectIterator begin() const;
  KrlObjectIterator end() const;
  KrlObjectIterator find(std::string_view key) const;
  std::size_t size() const { return m_->size(); }

 private:
  static const krl::Map& empty() {
    static const krl::Map m;
    return m;
  }
  const krl::Map* m_;
  Budget* budget_;
};

class KrlValueAdapter : public valijson::adapters::Adapter {
 public:
  using Array = KrlArray;
  using Object = KrlObject;
  using ObjectMember = KrlObjectMember;

  KrlValueAdapter() : v_(&null_value()), budget_(nullptr) {}
  explicit KrlValueAdapter(const krl::Value& v, Budget* budget = nullptr)
      : v_(&v), budget_(budget) {}

  const krl::Value& value() const { return *v_; }

  // ---- iteration (used by valijson's templates) ----
  KrlArray asArray() const { return getArray(); }
  KrlArray getArray() const {
    if (!v_->is_array()) valijson::throwRuntimeError("JSON value is not an array.");
    return KrlArray(v_->as_array(), budget_);
  }
  KrlObject asObject() const { return getObject(); }
  KrlObject getObject() const {
    if (!v_->is_map()) valijson::throwRuntimeError("JSON value is not an object.");
    return KrlObject(v_->as_map(), budget_);
  }

  bool applyToArray(ArrayValueCallback fn) const override {
    if (!isArray()) return false;
    for (const krl::Value& e : v_->as_array()) {
      if (!fn(KrlValueAdapter(e, budget_))) return false;
    }
    return true;
  }
  bool applyToObject(ObjectMemberCallback fn) const override {
    if (!isObject()) return false;
    for (const auto& [k, e] : v_->as_map()) {
      if (!fn(k, KrlValueAdapter(e, budget_))) return false;
    }
    return true;
  }

  // ---- type tests (each counts a step) ----
  bool isArray() const override { return tick(), v_->is_array(); }
  bool isBool() const override { return tick(), v_->is_bool(); }
  bool isDouble() const override { return tick(), v_->is_number() && !integral(); }
  bool isInteger() const override { return tick(), v_->is_number() && integral(); }
  bool isNull() const override { return tick(), v_->is_null(); }
  bool isNumber() const override { return tick(), v_->is_number(); }
  bool isObject() const override { return tick(), v_->is_map(); }
  bool isString() const override { return tick(), v_->is_string(); }
  bool maybeArray() const override { return isArray(); }
  bool maybeBool() const override { return isBool(); }
  bool maybeDouble() const override { return isNumber(); }
  bool maybeInteger() const override { return isInteger(); }
  bool maybeNull() const override { return isNull(); }
  bool maybeObject() const override { return isObject(); }
  bool maybeString() const override { return isString(); }
  bool hasStrictTypes() const override { return true; }

  // ---- accessors: false / throw when the node is not of that type ----
  bool getBool(bool& result) const override {
    if (!v_->is_bool()) return false;
    result = v_->as_bool();
    return true;
  }
  bool getDouble(double& result) const override {
    if (!v_->is_number()) return false;
    result = v_->as_number();
    return true;
  }
  bool getInteger(int64_t& result) const override {
    if (!v_->is_number() || !integral()) return false;
    result = static_cast<int64_t>(v_->as_number());
    return true;
  }
  bool getNumber(double& result) const override { return getDouble(result); }
  bool getString(std::string& result) const override {
    if (!v_->is_string()) return false;
    result = v_->as_string();
    return true;
  }
  bool getArraySize(size_t& result) const override {
    if (!v_->is_array()) return false;
    result = v_->as_array().size();
    return true;
  }
  bool getObjectSize(size_t& result) const override {
    if (!v_->is_map()) return false;
    result = v_->as_map().size();
    return true;
  }
  bool asBool(bool& result) const override { return getBool(result); }
  bool asDouble(double& result) const override { return getDouble(result); }
  bool asInteger(int64_t& result) const override { return getInteger(result); }
  bool asString(std::string& result) const override { return getString(result); }

  bool getBool() const override { return must(&KrlValueAdapter::getBool, "a boolean"); }
  double getDouble() const override { return must(&KrlValueAdapter::getDouble, "a number"); }
  int64_t getInteger() const override { return must(&KrlValueAdapter::getInteger, "an integer"); }
  double getNumber() const override { return getDouble(); }
  std::string getString() const override { return must(&KrlValueAdapter::getString, "a string"); }
  size_t getArraySize() const override { return must(&KrlValueAdapter::getArraySize, "an array"); }
  size_t getObjectSize() const override {
    return must(&KrlValueAdapter::getObjectSize, "an object");
  }
  bool asBool() const override { return getBool(); }
  double asDouble() const override { return getDouble(); }
  int64_t asInteger() const override { return getInteger(); }
  std::string asString() const override { return getString(); }

  // Strict (JSON) equality; recursion follows `this` (a schema's enum/const
  // value when called from a FrozenValue), so it is as deep as that value.
  bool equalTo(const Adapter& other, bool strict) const override;
  valijson::adapters::FrozenValue* freeze() const override;

 private:
  static const krl::Value& null_value() {
    static const krl::Value v;
    return v;
  }
  void tick() const {
    if (budget_ == nullptr) return;
    std::uintptr_t here = stack_position();
    std::uintptr_t used =
        here < budget_->stack_base ? budget_->stack_base - here : here - budget_->stack_base;
    if (++budget_->steps > budget_->max_steps || used > budget_->max_stack ||
        (budget_->results != nullptr && budget_->results->numErrors() > budget_->max_errors)) {
      throw BudgetExceeded{};
    }
  }
  // A number with no fractional part that fits int64_t.
  bool integral() const {
    double d = v_->as_number();
    return std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
           d < 9223372036854775808.0;
  }
  template <typename T>
  T must(bool (KrlValueAdapter::*get)(T&) const, const char* what) const {
    T result{};
    if (!(this->*get)(result))
      valijson::throwRuntimeError(std::string("JSON value is not ") + what);
    return result;
  }

  const krl::Value* v_;
  Budget* budget_;
};

// A schema value kept by valijson (enum / const): a shared krl::Value.
class KrlFrozenValue : public valijson::adapters::FrozenValue {
 public:
  explicit KrlFrozenValue(krl::Value v) : v_(std::move(v)) {}
  FrozenValue* clone() const override { return new KrlFrozenValue(v_); }
  bool equalTo(const valijson::adapters::Adapter& other, bool strict) const override {
    return KrlValueAdapter(v_).equalTo(other, strict);
  }

 private:
  krl::Value v_;
};

inline valijson::adapters::FrozenValue* KrlValueAdapter::freeze() const {
  return new KrlFrozenValue(*v_);
}

inline bool KrlValueAdapter::equalTo(const Adapter& other, bool strict) const {
  tick();
  const krl::Value& v = *v_;
  if (v.is_null()) return other.isNull();
  if (v.is_bool()) return other.isBool() && other.getBool() == v.as_bool();
  if (v.is_number()) return other.isNumber() && other.getNumber() == v.as_number();
  if (v.is_string()) {
    if (!other.isString()) return false;
    if (const auto* k = dynamic_cast<const KrlValueAdapter*>(&other)) {
      return k->value().as_string() == v.as_string();
    }
    return other.getString() == v.as_string();
  }
  if (v.is_array()) {
    const krl::Array& a = v.as_array();
    if (!other.isArray() || other.getArraySize() != a.size()) return false;
    std::size_t i = 0;
    return other.applyToArray([&](const Adapter& e) {
      return i < a.size() && KrlValueAdapter(a[i++], budget_).equalTo(e, strict);
    });
  }
  if (v.is_map()) {
    const krl::Map& m = v.as_map();
    if (!other.isObject() || other.getObjectSize() != m.size()) return false;
    return other.applyToObject([&](const std::string& key, const Adapter& e) {
      const krl::Value* mine = m.find(key);
      return mine != nullptr && KrlValueAdapter(*mine, budget_).equalTo(e, strict);
    });
  }
  return false;  // regexp, function: not JSON
}

// ---- iterators ----------------------------------------------------------------

class KrlArrayIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = KrlValueAdapter;
  using difference_type = std::ptrdiff_t;
  using pointer = const KrlValueAdapter*;
  using reference = KrlValueAdapter;

  KrlArrayIterator(const krl::Value* p, Budget* budget) : p_(p), budget_(budget) {}

  KrlValueAdapter operator*() const { return KrlValueAdapter(*p_, budget_); }
  valijson::adapters::DerefProxy<KrlValueAdapter> operator->() const {
    return valijson::adapters::DerefProxy<KrlValueAdapter>(**this);
  }
  bool operator==(const KrlArrayIterator& o) const { return p_ == o.p_; }
  bool operator!=(const KrlArrayIterator& o) const { return p_ != o.p_; }
  KrlArrayIterator& operator++() {
    ++p_;
    return *this;
  }
  KrlArrayIterator operator++(int) {
    KrlArrayIterator before = *this;
    ++p_;
    return before;
  }
  KrlArrayIterator& operator--() {
    --p_;
    return *this;
  }
  void advance(std::ptrdiff_t n) { p_ += n; }

 private:
  const krl::Value* p_;
  Budget* budget_;
};

class KrlObjectIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = KrlObjectMember;
  using difference_type = std::ptrdiff_t;
  using pointer = const KrlObjectMember*;
  using reference = KrlObjectMember;

  KrlObjectIterator(const krl::Map::Entry* p, Budget* budget) : p_(p), budget_(budget) {}

  KrlObjectMember operator*() const {
    return KrlObjectMember(p_->first, KrlValueAdapter(p_->second, budget_));
  }
  valijson::adapters::DerefProxy<KrlObjectMember> operator->() const {
    return valijson::adapters::DerefProxy<KrlObjectMember>(**this);
  }
  bool operator==(const KrlObjectIterator& o) const { return p_ == o.p_; }
  bool operator!=(const KrlObjectIterator& o) const { return p_ != o.p_; }
  KrlObjectIterator& operator++() {
    ++p_;
    return *this;
  }
  KrlObjectIterator operator++(int) {
    KrlObjectIterator before = *this;
    ++p_;
    return before;
  }
  KrlObjectIterator& operator--() {
    --p_;
    return *this;
  }

 private:
  const krl::Map::Entry* p_;
  Budget* budget_;
};

inline KrlArrayIterator KrlArray::begin() const {
  return {a_->data(), budget_};
}
inline KrlArrayIterator KrlArray::end() const {
  return {a_->data() + a_->size(), budget_};
}

inline KrlObjectIterator KrlObject::begin() const {
  return {m_->entries().data(), budget_};
}
inline KrlObjectIterator KrlObject::end() const {
  return {m_->entries().data() + m_->size(), budget_};
}
inline KrlObjectIterator KrlObject::find(std::string_view key) const {
  const auto& entries = m_->entries();
  const krl::Value* found = m_->find(key);  // hashed for large maps
  if (found == nullptr) return end();
  // `found` is the .second of one element of `entries` (a contiguous vector):
  // recover which one from its byte offset, and make sure.
  const auto* base = reinterpret_cast<const char*>(&entries.data()->second);
  auto offset = reinterpret_cast<const char*>(found) - base;
  if (offset >= 0 && offset % static_cast<std::ptrdiff_t>(sizeof(krl::Map::Entry)) == 0) {
    auto i =
        static_cast<std::size_t>(offset / static_cast<std::ptrdiff_t>(sizeof(krl::Map::Entry)));
    if (i < entries.size() && &entries[i].second == found) return {entries.data() + i, budget_};
  }
  for (const auto& e : entries) {
    if (&e.second == found) return {&e, budget_};
  }
  return end();
}

}  // namespace spime::runtime::attrs_schema_detail

namespace valijson::adapters {
template <>
struct AdapterTraits<spime::runtime::attrs_schema_detail::KrlValueAdapter> {
  using DocumentType = spime::krl::Value;
  static std::string adapterName() { return "KrlValueAdapter"; }
};
}  // namespace valijson::adapters

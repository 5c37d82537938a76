// Channel attribute schemas (see attrs_schema.h): valijson over krl::Value.
//
// compile(): bounds the schema, rewrites it into the form valijson is given
// (patterns moved to our own keyword, annotations dropped, $refs checked),
// then lets valijson build its constraint tree. validate(): a fail-fast pass
// (no error collection, no allocation beyond valijson's own); only when it
// fails, a second pass collects valijson's errors, and the most specific one
// is turned into a short message by looking up the schema that applied at
// the error's place.

// valijson reports schema errors by exception only with this set (otherwise
// it aborts); only this file includes valijson.
#define VALIJSON_USE_EXCEPTIONS 1

#include "engine/runtime/channel/attrs_schema.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <regex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>

#include "engine/krl/error.h"
#include "engine/krl/regexp.h"
#include "engine/runtime/channel/krl_value_adapter.h"

namespace spime::runtime {

using attrs_schema_detail::Budget;
using attrs_schema_detail::BudgetExceeded;
using attrs_schema_detail::KrlValueAdapter;

struct AttrsSchema::Impl {
  krl::Value rewritten;     // the schema as valijson was given it
  valijson::Schema schema;  // refers to nothing outside itself
};

namespace {

// "pattern" is renamed to this keyword before valijson sees the schema, so that
// valijson's own PatternConstraint (std::regex: recursive, unbounded on long
// strings) is never built; ours runs KRL's Boost.Regex engine.
constexpr std::string_view kPatternKeyword = "\x01pattern";
constexpr std::size_t kMaxUniqueItems = 1000;
constexpr std::size_t kMaxReportedErrors = 256;
constexpr std::size_t kMaxPointerInMessage = 200;
// valijson recurses about 2 KiB per level of attributes: 1 MiB is some 500
// levels (attributes are at most kMaxAttrsDepth deep), far from the 8 MiB of
// a thread's stack.
constexpr std::size_t kMaxStackBytes = 1u << 20;

std::string escape_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer(const std::vector<std::string>& segments) {
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    out += escape_token(s);
  }
  return out;
}

// ---- pattern: our constraint and its builder ------------------------------------

class KrlPatternConstraint : public valijson::constraints::PolyConstraint {
 public:
  KrlPatternConstraint(std::string source, std::shared_ptr<const krl::RegExp> re)
      : source_(std::move(source)), re_(std::move(re)) {}

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    if (!target.isString()) return true;
    bool ok = false;
    std::string why;
    try {
      if (const auto* k = dynamic_cast<const KrlValueAdapter*>(&target)) {
        ok = krl::regexp_search(*re_, k->value().as_string(), nullptr);
      } else {
        ok = krl::regexp_search(*re_, target.getString(), nullptr);
      }
      if (!ok) why = "expected a string matching /" + source_ + "/";
    } catch (const std::exception&) {  // Boost.Regex's complexity bound
      why = "too complex to match against /" + source_ + "/";
    }
    if (!ok && results != nullptr) results->pushError(context, why);
    return ok;
  }

 private:
  Constraint* cloneInto(void* where) const override {
    return new (where) KrlPatternConstraint(*this);
  }
  size_t sizeOf() const override { return sizeof(*this); }

  std::string source_;
  std::shared_ptr<const krl::RegExp> re_;
};

class KrlPatternBuilder : public valijson::ConstraintBuilder {
 public:
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override {
    std::string source;
    if (!value.getString(source)) valijson::throwRuntimeError("'pattern' must be a string");
    auto re = krl::make_regexp(source);  // checked by the rewrite already
    return new KrlPatternConstraint(std::move(source), std::move(re));
  }
};

// ---- shape of a value: size and depth, without recursion -------------------------

struct Shape {
  std::size_t nodes = 0;
  std::size_t string_bytes = 0;
  bool too_deep = false;
  std::vector<std::string> deep_path;  // where it got too deep
};

Shape measure(const krl::Value& root, int max_depth, bool count_strings) {
  struct Frame {
    const krl::Value* v;
    std::size_t next;
  };
  Shape shape;
  shape.nodes = 1;
  auto text = [&](std::string_view s) {
    if (count_strings) shape.string_bytes += s.size();
  };
  if (root.is_string()) text(root.as_string());
  if (!root.is_array() && !root.is_map()) return shape;
  std::vector<Frame> stack{{&root, 0}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const krl::Value* child = nullptr;
    if (f.v->is_array() && f.next < f.v->as_array().size()) {
      child = &f.v->as_array()[f.next++];
    } else if (f.v->is_map() && f.next < f.v->as_map().size()) {
      const auto& e = f.v->as_map().entries()[f.next++];
      text(e.first);
      child = &e.second;
    } else {
      stack.pop_back();
      continue;
    }
    ++shape.nodes;
    if (child->is_string()) text(child->as_string());
    if (!child->is_array() && !child->is_map()) continue;
    if (static_cast<int>(stack.size()) + 1 > max_depth) {
      shape.too_deep = true;
      for (const Frame& p : stack) {
        std::size_t i = p.next - 1;
        shape.deep_path.push_back(p.v->is_array() ? std::to_string(i)
                                                  : p.v->as_map().entries()[i].first);
      }
      return shape;
    }
    stack.push_back({child, 0});
  }
  return shape;
}

// ---- compile: the rewrite ----------------------------------------------------------

bool one_of(std::string_view k, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (k == n) return true;
  }
  return false;
}

// Decodes a JSON Pointer token as valijson does (~1 then ~0).
std::string unescape_token(std::string_view t) {
  std::string s(t);
  for (std::size_t p = 0; (p = s.find("~1", p)) != std::string::npos; ++p) s.replace(p, 2, "/");
  for (std::size_t p = 0; (p = s.find("~0", p)) != std::string::npos; ++p) s.replace(p, 2, "~");
  return s;
}

// The definition a "$ref" names: the root for "#", else root[defs][name];
// nullptr when it is not one of the forms we accept.
const krl::Value* ref_target(const krl::Value& root, std::string_view ref) {
  if (ref == "#") return &root;
  for (std::string_view defs : {"definitions", "$defs"}) {
    std::string prefix = "#/" + std::string(defs) + "/";
    if (ref.substr(0, prefix.size()) != prefix) continue;
    std::string_view token = ref.substr(prefix.size());
    if (token.empty() || token.find('/') != std::string_view::npos ||
        token.find('%') != std::string_view::npos || !root.is_map()) {
      return nullptr;
    }
    const krl::Value* table = root.as_map().find(defs);
    if (table == nullptr || !table->is_map()) return nullptr;
    return table->as_map().find(unescape_token(token));
  }
  return nullptr;
}

class Rewriter {
 public:
  explicit Rewriter(const krl::Value& root) : root_(root) {}

  bool run(krl::Value* out) { return schema(root_, "", "", out) && check_ref_chains(); }
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string message) {
    if (error_.empty()) error_ = "attrsSchema: " + std::move(message);
    return false;
  }
  static std::string at(const std::string& where) { return where.empty() ? "the root" : where; }

  // `where`: the JSON Pointer of `in` in the schema (for messages); `vpath`:
  // the path valijson keys its subschema cache by (names unescaped).
  bool schema(const krl::Value& in, const std::string& where, const std::string& vpath,
              krl::Value* out) {
    if (!in.is_map()) {  // true / false; anything else valijson refuses if it is used
      *out = in;
      return true;
    }
    if (!vpaths_.insert(vpath).second) {
      return fail("property names containing '/' make two subschemas ambiguous (at " + at(where) +
                  ")");
    }
    const krl::Map& m = in.as_map();
    krl::Map rewritten;
    rewritten.reserve(m.size());
    for (const auto& [k, v] : m) {
      const std::string kwhere = where + "/" + escape_token(k);
      krl::Value nv;
      if (k == "pattern") {
        if (!v.is_string()) return fail("\"pattern\" must be a string (at " + kwhere + ")");
        try {
          krl::make_regexp(v.as_string());
        } catch (const krl::KrlError& e) {
          return fail("bad pattern at " + kwhere + ": " + e.message());
        }
        rewritten.set(std::string(kPatternKeyword), v);
        continue;
      }
      if (k == kPatternKeyword || one_of(k, {"format", "id", "$id"})) continue;  // annotations
      if (k == "patternProperties") {
        return fail("\"patternProperties\" is not supported (at " + kwhere +
                    "); use \"additionalProperties\" and \"propertyNames\"");
      }
      if (k == "uniqueItems" && v.is_bool() && v.as_bool()) {
        const krl::Value* max = m.find("maxItems");
        if (max == nullptr || !max->is_number() ||
            max->as_number() > static_cast<double>(kMaxUniqueItems)) {
          return fail("\"uniqueItems\" needs \"maxItems\" of at most " +
                      std::to_string(kMaxUniqueItems) + " beside it (at " + kwhere + ")");
        }
      }
      if (k == "errorMessage" && !v.is_string()) {
        return fail("\"errorMessage\" must be a string (at " + kwhere + ")");
      }
      if (k == "$ref") {
        if (!v.is_string() || ref_target(root_, v.as_string()) == nullptr) {
          return fail("unsupported $ref at " + kwhere +
                      " (only \"#\", \"#/definitions/<name>\" "
                      "and \"#/$defs/<name>\" of this schema are followed)");
        }
      }
      if (k == "$schema" && where.empty()) {
        static const std::set<std::string, std::less<>> drafts = {
            "http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema",
            "https://json-schema.org/draft-07/schema#", "https://json-schema.org/draft-07/schema"};
        if (!v.is_string() || drafts.count(v.as_string()) == 0) {
          return fail("only JSON Schema draft 7 is supported ($schema " + krl::encode_json(v) +
                      ")");
        }
      }

      if (one_of(k, {"additionalItems", "additionalProperties", "contains", "else", "if", "not",
                     "propertyNames", "then"}) ||
          (k == "items" && !v.is_array())) {
        if (!schema(v, kwhere, vpath + "/" + k, &nv)) return false;
      } else if (one_of(k, {"items", "allOf", "anyOf", "oneOf"}) && v.is_array()) {
        krl::Array a;
        a.reserve(v.as_array().size());
        for (std::size_t i = 0; i < v.as_array().size(); ++i) {
          krl::Value e;
          std::string index = std::to_string(i);
          if (!schema(v.as_array()[i], kwhere + "/" + index, vpath + "/" + k + "/" + index, &e)) {
            return false;
          }
          a.push_back(std::move(e));
        }
        nv = krl::Value(std::move(a));
      } else if (one_of(k, {"properties", "definitions", "$defs", "dependencies"}) && v.is_map()) {
        const bool defs = k == "definitions" || k == "$defs";
        krl::Map sub;
        sub.reserve(v.as_map().size());
        for (const auto& [name, s] : v.as_map()) {
          krl::Value e;
          if (k == "dependencies" && s.is_array()) {
            e = s;
          } else {
            // valijson names definitions by the (escaped) pointer of the $ref
            // that reaches them, properties by their raw name.
            std::string vname = defs ? escape_token(name) : name;
            if (!schema(s, kwhere + "/" + escape_token(name), vpath + "/" + k + "/" + vname, &e)) {
              return false;
            }
          }
          sub.set(name, std::move(e));
        }
        nv = krl::Value(std::move(sub));
      } else {
        nv = v;
      }
      rewritten.set(k, std::move(nv));
    }
    *out = krl::Value(std::move(rewritten));
    return true;
  }

  // valijson resolves a chain of "$ref"s recursively until it reaches a schema
  // that is not a "$ref": a cycle of them would never end.
  bool check_ref_chains() {
    std::vector<const krl::Value*> starts{&root_};
    if (root_.is_map()) {
      for (std::string_view defs : {"definitions", "$defs"}) {
        const krl::Value* table = root_.as_map().find(defs);
        if (table == nullptr || !table->is_map()) continue;
        for (const auto& entry : table->as_map()) starts.push_back(&entry.second);
      }
    }
    for (const krl::Value* s : starts) {
      const krl::Value* p = s;
      for (std::size_t hops = 0; p != nullptr && p->is_map(); ++hops) {
        const krl::Value* ref = p->as_map().find("$ref");
        if (ref == nullptr || !ref->is_string()) break;
        if (hops > starts.size()) return fail("a cycle of \"$ref\"s never reaches a schema");
        p = ref_target(root_, ref->as_string());
      }
    }
    return true;
  }

  const krl::Value& root_;
  std::string error_;
  std::set<std::string> vpaths_;
};

// The subschemas of schema `node`: `in_place` ones apply to the same value
// (allOf, anyOf, oneOf, not, if, then, else, schema dependencies), the others
// to a part of it (properties, items, ...) or to nothing yet (definitions).
template <typename Fn>
void for_each_subschema(const krl::Value& node, Fn fn) {
  if (!node.is_map()) return;
  for (const auto& [k, v] : node.as_map()) {
    const bool in_place =
        one_of(k, {"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependencies"});
    if (one_of(k, {"not", "if", "then", "else", "additionalItems", "additionalProperties",
                   "contains", "propertyNames"}) ||
        (k == "items" && !v.is_array())) {
      fn(v, in_place);
    } else if (one_of(k, {"items", "allOf", "anyOf", "oneOf"}) && v.is_array()) {
      for (const auto& e : v.as_array()) fn(e, in_place);
    } else if (one_of(k, {"properties", "definitions", "$defs", "dependencies"}) && v.is_map()) {
      for (const auto& entry : v.as_map()) {
        if (!entry.second.is_array()) fn(entry.second, in_place);
      }
    }
  }
}

// valijson applies in-place subschemas (and "$ref"s) by recursion without
// looking at the value, so neither the step budget nor the stack guard would
// see a cycle of them (d: {"allOf": [{"$ref": "#/definitions/d"}]}): refuse
// cycles, and chains longer than kMaxSchemaDepth.
class InPlaceCheck {
 public:
  explicit InPlaceCheck(const krl::Value& root) : root_(root) {}

  std::string run() {
    visit_tree(root_);
    return error_;
  }

 private:
  void visit_tree(const krl::Value& node) {  // as deep as the schema (bounded)
    if (!error_.empty() || !node.is_map()) return;
    chain(&node, 0);
    for_each_subschema(node, [&](const krl::Value& child, bool) { visit_tree(child); });
  }

  // The longest in-place path from `node`; stops at the first error.
  int chain(const krl::Value* node, int depth) {
    if (!error_.empty() || node == nullptr || !node->is_map()) return 0;
    if (depth > AttrsSchema::kMaxSchemaDepth) {
      error_ =
          "attrsSchema: subschemas applied within subschemas (allOf, anyOf, $ref, ...) nest "
          "deeper than " +
          std::to_string(AttrsSchema::kMaxSchemaDepth);
      return 0;
    }
    if (auto done = longest_.find(node); done != longest_.end()) return done->second;
    if (!on_path_.insert(node).second) {
      error_ =
          "attrsSchema: a schema applies itself to the same value (a cycle through allOf, "
          "anyOf, oneOf, not, if/then/else or $ref)";
      return 0;
    }
    int longest = 0;
    auto follow = [&](const krl::Value* next) {
      longest = std::max(longest, 1 + chain(next, depth + 1));
    };
    const krl::Value* ref = node->as_map().find("$ref");
    if (ref != nullptr && ref->is_string()) {
      follow(ref_target(root_, ref->as_string()));  // valijson ignores the siblings of a $ref
    } else {
      for_each_subschema(*node, [&](const krl::Value& child, bool in_place) {
        if (in_place) follow(&child);
      });
    }
    on_path_.erase(node);
    longest_[node] = longest;
    return longest;
  }

  const krl::Value& root_;
  std::string error_;
  std::unordered_map<const krl::Value*, int> longest_;
  std::set<const krl::Value*> on_path_;
};

// ---- explaining a failure ------------------------------------------------------------

// `s` with its "$ref"s followed (nullptr if they do not end).
const krl::Value* resolve(const krl::Value& root, const krl::Value* s) {
  for (int hops = 0; s != nullptr && s->is_map() && hops < 32; ++hops) {
    const krl::Value* ref = s->as_map().find("$ref");
    if (ref == nullptr || !ref->is_string()) return s;
    s = ref_target(root, ref->as_string());
  }
  return s != nullptr && s->is_map() ? nullptr : s;
}

// The schema that applies to `data`'s child `segment`, from schema `s`
// (resolved), or nullptr when we cannot tell (it may lie in an anyOf, ...).
const krl::Value* child_schema(const krl::Value& root, const krl::Value* s, const krl::Value& data,
                               const std::string& segment, int depth = 0) {
  if (s == nullptr || !s->is_map() || depth > 8) return nullptr;
  const krl::Map& m = s->as_map();
  const krl::Value* found = nullptr;
  if (data.is_map()) {
    const krl::Value* props = m.find("properties");
    if (props != nullptr && props->is_map()) found = props->as_map().find(segment);
    if (found == nullptr) found = m.find("additionalProperties");
  } else if (data.is_array()) {
    const krl::Value* items = m.find("items");
    if (items != nullptr && items->is_array()) {
      std::size_t i = std::strtoul(segment.c_str(), nullptr, 10);
      found = i < items->as_array().size() ? &items->as_array()[i] : m.find("additionalItems");
    } else {
      found = items;
    }
  }
  if (found == nullptr) {
    const krl::Value* all = m.find("allOf");
    if (all != nullptr && all->is_array()) {
      for (const auto& a : all->as_array()) {
        found = child_schema(root, resolve(root, &a), data, segment, depth + 1);
        if (found != nullptr) break;
      }
    }
  }
  return resolve(root, found);
}

const krl::Value* data_child(const krl::Value* d, const std::string& segment) {
  if (d == nullptr) return nullptr;
  if (d->is_map()) return d->as_map().find(segment);
  if (d->is_array()) {
    char* end = nullptr;
    unsigned long i = std::strtoul(segment.c_str(), &end, 10);
    if (end == segment.c_str() || *end != '\0' || i >= d->as_array().size()) return nullptr;
    return &d->as_array()[i];
  }
  return nullptr;
}

std::string type_phrase(std::string_view json_type) {
  if (json_type == "object") return "a map";
  if (json_type == "array") return "an array";
  if (json_type == "string") return "a string";
  if (json_type == "number") return "a number";
  if (json_type == "integer") return "an integer";
  if (json_type == "boolean") return "a boolean";
  if (json_type == "null") return "null";
  return std::string(json_type);
}

std::string value_phrase(const krl::Value& v) {
  switch (v.type()) {
    case krl::Type::Null:
      return "null";
    case krl::Type::Boolean:
      return "a boolean";
    case krl::Type::Number:
      return "a number";
    case krl::Type::String:
      return "a string";
    case krl::Type::Array:
      return "an array";
    case krl::Type::Map:
      return "a map";
    default:
      return "a " + std::string(krl::type_name(v.type()));
  }
}

std::string join_or(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

// "expected a map" from a subschema's "type"; "" when it has none.
std::string expected_types(const krl::Value* s) {
  if (s == nullptr || !s->is_map()) return "";
  const krl::Value* t = s->as_map().find("type");
  if (t == nullptr) return "";
  std::vector<std::string> names;
  if (t->is_string()) names.push_back(type_phrase(t->as_string()));
  if (t->is_array()) {
    for (const auto& n : t->as_array()) {
      if (n.is_string()) names.push_back(type_phrase(n.as_string()));
    }
  }
  return names.empty() ? "" : "expected " + join_or(names);
}

const std::string* error_message(const krl::Value* s) {
  if (s == nullptr || !s->is_map()) return nullptr;
  const krl::Value* m = s->as_map().find("errorMessage");
  return m != nullptr && m->is_string() ? &m->as_string() : nullptr;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The text between the first and the last single quote of valijson's message
// (a property name, which may itself contain quotes).
std::string quoted(const std::string& d, std::size_t from = 0) {
  std::size_t a = d.find('\'', from);
  std::size_t b = d.rfind('\'');
  if (a == std::string::npos || b == std::string::npos || b <= a) return "";
  return d.substr(a + 1, b - a - 1);
}

// valijson prints limits with std::to_string ("5.000000"): reprint as KRL would.
std::string reprint_number(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return s;
  return krl::number_to_string(d) + std::string(end);
}

// valijson's message for a constraint on the node itself, made short.
std::string reword(const std::string& d) {
  static const std::pair<std::string_view, std::string_view> table[] = {
      {"Expected number less than or equal to ", "expected a number <= "},
      {"Expected number less than ", "expected a number < "},
      {"Expected number greater than or equal to ", "expected a number >= "},
      {"Expected number greater than ", "expected a number > "},
      {"Array should contain no more than ", "expected at most "},
      {"Array should contain no fewer than ", "expected at least "},
      {"String should be no more than ", "expected at most "},
      {"String should be no fewer than ", "expected at least "},
      {"Object should have no more than ", "expected at most "},
      {"Object should have no fewer than ", "expected at least "},
      {"Value should be a multiple of ", "expected a multiple of "},
  };
  for (const auto& [from, to] : table) {
    if (!starts_with(d, from)) continue;
    std::string rest = reprint_number(std::string_view(d).substr(from.size()));
    if (!rest.empty() && rest.back() == '.') rest.pop_back();
    for (auto [a, b] : {std::pair<std::string_view, std::string_view>{" elements", " items"},
                        {" characters in length", " characters"}}) {
      std::size_t p = rest.find(a);
      if (p != std::string::npos) rest.replace(p, a.size(), b);
    }
    return std::string(to) + rest;
  }
  if (starts_with(d, "Failed to match against any enum values"))
    return "not one of the allowed values";
  if (starts_with(d, "Failed to match expected value set by 'const'"))
    return "not the expected value";
  if (starts_with(d, "Failed to validate against any schemas allowed by anyOf") ||
      starts_with(d, "Failed to validate against any child schemas allowed by oneOf")) {
    return "does not match any of the allowed schemas";
  }
  if (starts_with(d, "Failed to validate against exactly one child schema")) {
    return "matches more than one of the schemas of a oneOf";
  }
  if (starts_with(d, "Target should not validate against schema specified in 'not'")) {
    return "matches a schema it must not match";
  }
  if (starts_with(d, "Failed to any values against subschema in 'contains'")) {
    return "has no item matching the \"contains\" schema";
  }
  if (starts_with(d, "Array contains more items than allowed"))
    return "has more items than allowed";
  if (starts_with(d, "Elements at indexes")) return "has duplicate items";
  std::string out = d;
  if (!out.empty() && out.back() == '.') out.pop_back();
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z' &&
      !(out.size() > 1 && out[1] >= 'A' && out[1] <= 'Z')) {
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  }
  return out;
}

bool is_alternative_summary(const std::string& d) {
  return starts_with(d, "Failed to validate against any schemas allowed by anyOf") ||
         starts_with(d, "Failed to validate against any child schemas allowed by oneOf");
}

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() > b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// "attribute /a/b" (the pointer shortened to a readable length) or "attributes".
std::string subject(const std::string& ptr) {
  if (ptr.empty()) return "attributes";
  if (ptr.size() <= kMaxPointerInMessage) return "attribute " + ptr;
  std::size_t cut = kMaxPointerInMessage;
  while (cut > 0 && (static_cast<unsigned char>(ptr[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return "attribute " + ptr.substr(0, cut) + "...";
}

AttrsSchema::Failure explain(const valijson::ValidationResults& results, const krl::Value& root,
                             const krl::Value& attrs) {
  std::vector<valijson::ValidationResults::Error> errors(results.begin(), results.end());
  if (errors.empty()) return {"attributes: refused by the channel's schema", ""};
  // valijson reports a failure deepest first, then each enclosing summary: the
  // first error is the most specific, unless it lies in a branch of an
  // anyOf / oneOf, where no branch is "the" one: then the outermost of those.
  const valijson::ValidationResults::Error* chosen = &errors[0];
  for (std::size_t i = 1; i < errors.size(); ++i) {
    if (is_alternative_summary(errors[i].description) &&
        is_prefix(errors[i].context, errors[0].context)) {
      chosen = &errors[i];
    }
  }

  // Context: "<root>", then "[name]" / "[index]" per level.
  std::vector<std::string> segments;
  for (std::size_t i = 1; i < chosen->context.size(); ++i) {
    const std::string& c = chosen->context[i];
    segments.push_back(
        c.size() >= 2 && c.front() == '[' && c.back() == ']' ? c.substr(1, c.size() - 2) : c);
  }
  const std::string& d = chosen->description;
  // valijson names an item that failed its positional "items" schema from
  // the item itself: report it from its array, as the other summaries.
  constexpr std::string_view kItem = "Failed to validate item #";
  std::string item_name;
  if (starts_with(d, kItem) && d.find("corresponding item schema") != std::string::npos &&
      !segments.empty()) {
    item_name = segments.back();
    segments.pop_back();
  }
  const krl::Value* data = &attrs;
  const krl::Value* schema = resolve(root, &root);
  for (const auto& seg : segments) {
    if (data == nullptr) {
      schema = nullptr;
      break;
    }
    schema = child_schema(root, schema, *data, seg);
    data = data_child(data, seg);
  }

  // About a child of this node: a missing or a disallowed property.
  auto child_failure = [&](const std::string& name, const char* what) {
    segments.push_back(name);
    std::string ptr = pointer(segments);
    return AttrsSchema::Failure{subject(ptr) + " " + what, ptr};
  };
  if (starts_with(d, "Missing required property '") || starts_with(d, "Missing dependency '")) {
    return child_failure(quoted(d), "is missing");
  }
  if (starts_with(d, "Object contains a property that could not be validated")) {
    return child_failure(quoted(d, d.find("constraints: ")), "is not allowed");
  }
  // A summary with nothing deeper: the child's schema failed without saying
  // why (a false schema, a propertyNames refusal).
  if (starts_with(d, "Failed to validate against schema associated with property name '") ||
      starts_with(d, kItem)) {
    std::string name = !item_name.empty() ? item_name
                       : starts_with(d, kItem)
                           ? d.substr(kItem.size(), d.find(' ', kItem.size()) - kItem.size())
                           : quoted(d);
    const krl::Value* child = data != nullptr ? child_schema(root, schema, *data, name) : nullptr;
    if (child != nullptr && child->is_bool() && !child->as_bool()) {
      return child_failure(name, "is not allowed");
    }
    if (const std::string* m = error_message(child)) {
      segments.push_back(name);
      std::string ptr = pointer(segments);
      return {subject(ptr) + ": " + *m, ptr};
    }
    return child_failure(name, "does not match its schema");
  }

  std::string ptr = pointer(segments);
  if (const std::string* m = error_message(schema)) return {subject(ptr) + ": " + *m, ptr};
  if (starts_with(d, "Value type not permitted by 'type' constraint")) {
    std::string expected = expected_types(schema);
    std::string got = data != nullptr ? "got " + value_phrase(*data) : "";
    std::string text = expected.empty() ? "has a type not allowed (" + got + ")"
                                        : expected + (got.empty() ? "" : ", " + got);
    return {subject(ptr) + ": " + text, ptr};
  }
  return {subject(ptr) + ": " + reword(d), ptr};
}

}  // namespace

// ---- AttrsSchema -------------------------------------------------------------------------

AttrsSchema::AttrsSchema(krl::Value source, std::unique_ptr<const Impl> impl)
    : source_(std::move(source)), impl_(std::move(impl)) {}

AttrsSchema::~AttrsSchema() = default;

std::shared_ptr<const AttrsSchema> AttrsSchema::compile(const krl::Value& schema,
                                                        std::string* error) {
  auto refuse = [&](std::string message) {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  if (!schema.is_map() && !schema.is_bool()) {
    return refuse("attrsSchema: a schema is a map (or true / false), not " + value_phrase(schema));
  }
  Shape shape = measure(schema, kMaxSchemaDepth, true);
  if (shape.too_deep) {
    return refuse("attrsSchema: nested deeper than " + std::to_string(kMaxSchemaDepth) + " levels");
  }
  if (shape.nodes > kMaxSchemaNodes) {
    return refuse("attrsSchema: too large (" + std::to_string(shape.nodes) + " values, at most " +
                  std::to_string(kMaxSchemaNodes) + ")");
  }
  if (shape.string_bytes > kMaxSchemaStringBytes) {
    return refuse("attrsSchema: too large (" + std::to_string(shape.string_bytes) +
                  " bytes of strings, at most " + std::to_string(kMaxSchemaStringBytes) + ")");
  }

  auto impl = std::make_unique<Impl>();
  Rewriter rewriter(schema);
  if (!rewriter.run(&impl->rewritten)) return refuse(rewriter.error());
  if (std::string e = InPlaceCheck(schema).run(); !e.empty()) return refuse(std::move(e));
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.addConstraintBuilder(std::string(kPatternKeyword), new KrlPatternBuilder());
    parser.populateSchema(KrlValueAdapter(impl->rewritten), impl->schema);
  } catch (const std::exception& e) {
    return refuse(std::string("attrsSchema: ") + e.what());
  }
  return std::shared_ptr<const AttrsSchema>(new AttrsSchema(schema, std::move(impl)));
}

std::optional<AttrsSchema::Failure> AttrsSchema::validate(const krl::Value& attrs) const {
  Shape shape = measure(attrs, kMaxAttrsDepth, false);
  if (shape.too_deep) {
    std::string ptr = pointer(shape.deep_path);
    return Failure{
        subject(ptr) + ": nested deeper than " + std::to_string(kMaxAttrsDepth) + " levels", ptr};
  }
  // Type tests per node are a few per constraint: this leaves room for any
  // sane schema and stops an exponential one (anyOf of $refs to anyOfs...).
  Budget budget;
  budget.max_steps = 200'000 + 200 * static_cast<std::uint64_t>(shape.nodes);
  budget.stack_base = attrs_schema_detail::stack_position();
  budget.max_stack = kMaxStackBytes;
  std::unordered_map<std::string, std::regex> regexes;  // valijson's cache; no std::regex used
  const Failure too_complex{"attributes: too complex to check against the channel's schema", ""};
  try {
    valijson::ValidationVisitor<KrlValueAdapter> fast(KrlValueAdapter(attrs, &budget),
                                                      std::vector<std::string>(1, "<root>"), true,
                                                      nullptr, regexes);
    if (fast.validateSchema(impl_->schema)) return std::nullopt;
  } catch (const BudgetExceeded&) {
    return too_complex;
  } catch (const std::exception& e) {
    return Failure{std::string("attributes: could not be checked: ") + e.what(), ""};
  }

  // It fails: once more, collecting the errors (at most kMaxReportedErrors;
  // valijson would otherwise record one per failing item).
  valijson::ValidationResults results;
  budget.steps = 0;
  budget.results = &results;
  budget.max_errors = kMaxReportedErrors;
  try {
    valijson::ValidationVisitor<KrlValueAdapter> full(KrlValueAdapter(attrs, &budget),
                                                      std::vector<std::string>(1, "<root>"), true,
                                                      &results, regexes);
    full.validateSchema(impl_->schema);
  } catch (const BudgetExceeded&) {
    if (results.numErrors() == 0) return too_complex;
  } catch (const std::exception& e) {
    if (results.numErrors() == 0) {
      return Failure{std::string("attributes: could not be checked: ") + e.what(), ""};
    }
  }
  return explain(results, impl_->rewritten, attrs);
}

}  // namespace spime::runtime

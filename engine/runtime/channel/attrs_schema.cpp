// Channel attribute schemas (see attrs_schema.h): valijson over krl::Value.
//
// compile(): bounds the schema, rewrites it into the form valijson is given
// (patterns moved to our own keyword, annotations dropped, $refs checked),
// then lets valijson build its constraint tree. validate(): a fail-fast pass
// (no error collection, no allocation beyond valijson's own); only when it
// fails, a second pass collects valijson's errors, which
// attrs_schema_explain.cpp turns into one short message.

// valijson reports schema errors by exception only with this set (otherwise
// it aborts); only this file and attrs_schema_explain.cpp include valijson.
#define VALIJSON_USE_EXCEPTIONS 1

#include "engine/runtime/channel/attrs_schema.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
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
#include "engine/runtime/channel/attrs_schema_explain.h"
#include "engine/runtime/channel/json_pointer.h"
#include "engine/runtime/channel/krl_value_adapter.h"

namespace spime::runtime {

using attrs_schema_detail::Budget;
using attrs_schema_detail::BudgetExceeded;
using attrs_schema_detail::explain;
using attrs_schema_detail::KrlValueAdapter;
using attrs_schema_detail::subject;
using attrs_schema_detail::value_phrase;
using json_pointer::escape_token;
using json_pointer::pointer;
using json_pointer::ref_target;

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
// valijson recurses about 2 KiB per level of attributes: 1 MiB is some 500
// levels (attributes are at most kMaxAttrsDepth deep), far from the 8 MiB of
// a thread's stack.
constexpr std::size_t kMaxStackBytes = 1u << 20;

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

}  // namespace

// ---- AttrsSchema -------------------------------------------------------------------------

AttrsSchema::AttrsSchema(krl::Value source, std::unique_ptr<const Impl> impl)
    : source_(std::move(source)), impl_(std::move(impl)) {}

AttrsSchema::~AttrsSchema() = default;

std::shared_ptr<const AttrsSchema> AttrsSchema::compile_shared(const krl::Value& schema,
                                                               std::string* error) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const AttrsSchema>>* compiled =
      new std::map<std::string, std::weak_ptr<const AttrsSchema>>();  // never destroyed
  static size_t sweep_at = 16;
  std::string text = krl::encode_json(schema);
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = compiled->find(text);
    if (it != compiled->end()) {
      if (auto held = it->second.lock()) return held;
    }
  }
  std::shared_ptr<const AttrsSchema> made = compile(schema, error);
  if (!made) return nullptr;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*compiled)[std::move(text)];
  if (auto held = slot.lock()) return held;  // made meanwhile by another thread
  slot = made;
  if (compiled->size() >= sweep_at) {
    for (auto it = compiled->begin(); it != compiled->end();) {
      it = it->second.expired() ? compiled->erase(it) : std::next(it);
    }
    sweep_at = 2 * compiled->size() + 16;
  }
  return made;
}

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

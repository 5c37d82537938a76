#include "engine/runtime/channel/attrs_schema_explain.h"

#include <cstdlib>
#include <string_view>
#include <vector>

#include "engine/runtime/channel/json_pointer.h"

namespace spime::runtime::attrs_schema_detail {

using json_pointer::pointer;
using json_pointer::ref_target;

namespace {

constexpr std::size_t kMaxPointerInMessage = 200;

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

}  // namespace

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

}  // namespace spime::runtime::attrs_schema_detail

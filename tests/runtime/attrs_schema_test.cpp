// Channel attribute schemas: compiling (what is refused and why), validating
// through the krl::Value adapter (types, numbers, maps, arrays, keywords),
// the JSON Pointer and message of a failure, the bounds, the ESProto
// heartbeat schema against every shared payload, and many threads at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/channel/attrs_schema.h"

using namespace spime;
using runtime::AttrsSchema;

namespace {

krl::Value json(const std::string& text) {
  krl::Value v;
  std::string err;
  INFO(text);
  REQUIRE(krl::parse_json(text, &v, &err));
  return v;
}

std::shared_ptr<const AttrsSchema> compile(const std::string& schema) {
  std::string err;
  auto s = AttrsSchema::compile(json(schema), &err);
  INFO(err);
  REQUIRE(s);
  return s;
}

std::string compile_error(const krl::Value& schema) {
  std::string err;
  auto s = AttrsSchema::compile(schema, &err);
  CHECK_FALSE(s);
  return err;
}
std::string compile_error(const std::string& schema) {
  return compile_error(json(schema));
}
std::string compile_error(const char* schema) {
  return compile_error(std::string(schema));
}

bool ok(const AttrsSchema& s, const std::string& attrs) {
  auto f = s.validate(json(attrs));
  if (f) INFO(f->message);
  return !f.has_value();
}

AttrsSchema::Failure failure(const AttrsSchema& s, const krl::Value& attrs) {
  auto f = s.validate(attrs);
  REQUIRE(f);
  return *f;
}
AttrsSchema::Failure failure(const AttrsSchema& s, const std::string& attrs) {
  return failure(s, json(attrs));
}
AttrsSchema::Failure failure(const AttrsSchema& s, const char* attrs) {
  return failure(s, std::string(attrs));
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const AttrsSchema> esproto_schema() {
  static const auto schema = [] {
    std::string err;
    krl::Value v;
    std::string text = read_file(std::filesystem::path(SPIME_SOURCE_DIR) /
                                 "rulesets/schemas/esproto-heartbeat.json");
    REQUIRE(krl::parse_json(text, &v, &err));
    auto s = AttrsSchema::compile(v, &err);
    INFO(err);
    REQUIRE(s);
    return s;
  }();
  return schema;
}

const std::filesystem::path kEsproto = std::filesystem::path(SPIME_SHARED_DIR) / "esproto";

krl::Value payload(const std::string& name) {
  krl::Value v;
  std::string err;
  REQUIRE(krl::parse_json(read_file(kEsproto / name), &v, &err));
  return v;
}

// A copy of `v` with `path` (map keys / array indices) replaced by `with`.
krl::Value replace(const krl::Value& v, std::vector<std::string> path, const krl::Value& with) {
  if (path.empty()) return with;
  std::string head = path.front();
  path.erase(path.begin());
  if (v.is_array()) {
    krl::Array a = v.as_array();
    std::size_t i = std::stoul(head);
    a[i] = replace(a[i], path, with);
    return krl::Value(std::move(a));
  }
  krl::Map m = v.is_map() ? v.as_map() : krl::Map();
  const krl::Value* old = m.find(head);
  m.set(head, replace(old ? *old : krl::Value(), path, with));
  return krl::Value(std::move(m));
}

}  // namespace

// ---- compiling ------------------------------------------------------------------

TEST_CASE("attrs schema: compile refuses what is not a schema we accept", "[attrs_schema]") {
  CHECK(compile_error(krl::Value("x")) ==
        "attrsSchema: a schema is a map (or true / false), not a string");
  CHECK(compile_error(krl::Value(3)).rfind("attrsSchema: a schema is a map", 0) == 0);
  CHECK(compile_error("[]").rfind("attrsSchema: a schema is a map", 0) == 0);

  // valijson's own checks come back as messages
  CHECK(compile_error(R"({"type": 5})").rfind("attrsSchema: ", 0) == 0);
  CHECK(compile_error(R"({"minLength": "x"})").rfind("attrsSchema: ", 0) == 0);
  CHECK(compile_error(R"({"properties": {"a": 5}})").rfind("attrsSchema: ", 0) == 0);
  CHECK(compile_error(R"({"title": 5})").rfind("attrsSchema: ", 0) == 0);

  // patterns are compiled (ECMAScript) up front
  CHECK(compile_error(R"({"properties": {"a": {"pattern": "("}}})")
            .rfind("attrsSchema: bad pattern at /properties/a/pattern: Invalid regular expression",
                   0) == 0);
  CHECK(compile_error(R"({"pattern": 5})") ==
        "attrsSchema: \"pattern\" must be a string (at /pattern)");
  CHECK(compile_error(R"({"patternProperties": {"^a": {}}})")
            .find("\"patternProperties\" is not supported") != std::string::npos);
  CHECK(compile_error(R"({"uniqueItems": true})").find("\"uniqueItems\" needs \"maxItems\"") !=
        std::string::npos);
  CHECK(compile_error(R"({"uniqueItems": true, "maxItems": 5000})").find("\"uniqueItems\" needs") !=
        std::string::npos);
  CHECK(compile_error(R"({"errorMessage": 5})") ==
        "attrsSchema: \"errorMessage\" must be a string (at /errorMessage)");
  CHECK(compile_error(R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})")
            .find("only JSON Schema draft 7") != std::string::npos);
}

TEST_CASE("attrs schema: $ref only within the schema, never fetched, no cycles", "[attrs_schema]") {
  for (const char* ref : {"http://example.com/s.json", "other.json", "other.json#/definitions/a",
                          "#/definitions/missing", "#/properties/a", "#foo", "#/definitions/a/b",
                          "#/definitions/%61"}) {
    INFO(ref);
    std::string schema = std::string(R"({"definitions": {"a": {"type": "string"}},
                                          "properties": {"a": {"$ref": ")") +
                         ref + R"("}}})";
    CHECK(compile_error(schema).rfind("attrsSchema: unsupported $ref at /properties/a/$ref", 0) ==
          0);
  }
  CHECK(compile_error(R"({"$ref": 5})").rfind("attrsSchema: unsupported $ref", 0) == 0);
  CHECK(compile_error(R"({"$ref": "#"})") ==
        "attrsSchema: a cycle of \"$ref\"s never reaches a schema");
  CHECK(compile_error(R"({"definitions": {"a": {"$ref": "#/definitions/b"},
                                          "b": {"$ref": "#/definitions/a"}},
                          "properties": {"x": {"$ref": "#/definitions/a"}}})") ==
        "attrsSchema: a cycle of \"$ref\"s never reaches a schema");

  // valijson applies these without looking at the value: cycles and long chains are refused
  CHECK(compile_error(R"({"definitions": {"d": {"allOf": [{"$ref": "#/definitions/d"}]}},
                          "properties": {"x": {"$ref": "#/definitions/d"}}})")
            .rfind("attrsSchema: a schema applies itself to the same value", 0) == 0);
  CHECK(compile_error(R"({"anyOf": [{"type": "string"}, {"not": {"$ref": "#"}}]})")
            .rfind("attrsSchema: a schema applies itself to the same value", 0) == 0);
  std::string chain;
  for (int i = 0; i < 70; ++i) {
    chain += "\"c" + std::to_string(i) + R"(": {"allOf": [{"$ref": "#/definitions/c)" +
             std::to_string(i + 1) + "\"}]},";
  }
  CHECK(compile_error(R"({"definitions": {)" + chain + R"("c70": {}}, "$ref": "#/definitions/c0"})")
            .find("nest deeper than 64") != std::string::npos);

  // what is accepted: "#", definitions, $defs, escaped names, recursion through a schema
  auto s = compile(R"({"definitions": {"a/b~": {"type": "number"}},
                       "$defs": {"node": {"type": "object",
                                           "properties": {"next": {"$ref": "#/$defs/node"},
                                                          "v": {"$ref": "#/definitions/a~1b~0"}}}},
                       "properties": {"list": {"$ref": "#/$defs/node"},
                                      "self": {"$ref": "#"}}})");
  CHECK(ok(*s, R"({"list": {"v": 1, "next": {"v": 2, "next": {}}}})"));
  auto f = failure(*s, R"({"list": {"v": 1, "next": {"v": "2"}}})");
  CHECK(f.path == "/list/next/v");
  CHECK(f.message == "attribute /list/next/v: expected a number, got a string");
  CHECK(failure(*s, R"({"self": {"self": {"list": 5}}})").path == "/self/self/list");
}

TEST_CASE("attrs schema: the schema's size and depth are bounded", "[attrs_schema]") {
  std::string deep = "{}";
  for (int i = 0; i < AttrsSchema::kMaxSchemaDepth; ++i) deep = R"({"not": )" + deep + "}";
  krl::Value deep_value;
  std::string err;
  REQUIRE(krl::parse_json(deep, &deep_value, &err, 1000));
  CHECK(compile_error(deep_value) == "attrsSchema: nested deeper than 64 levels");

  krl::Array many;
  for (std::size_t i = 0; i < AttrsSchema::kMaxSchemaNodes; ++i) many.push_back(krl::Value(1));
  krl::Map m;
  m.set("enum", krl::Value(std::move(many)));
  CHECK(compile_error(krl::Value(std::move(m))).rfind("attrsSchema: too large (10002 values", 0) ==
        0);

  krl::Map big;
  big.set("description", krl::Value(std::string(AttrsSchema::kMaxSchemaStringBytes, 'x')));
  CHECK(compile_error(krl::Value(std::move(big))).find("bytes of strings") != std::string::npos);
}

TEST_CASE("attrs schema: boolean schemas, source and annotations", "[attrs_schema]") {
  std::string err;
  auto yes = AttrsSchema::compile(krl::Value(true), &err);
  REQUIRE(yes);
  CHECK_FALSE(yes->validate(json(R"({"a": [1, {"b": null}]})")));
  auto no = AttrsSchema::compile(krl::Value(false), &err);
  REQUIRE(no);
  auto f = failure(*no, "{}");
  CHECK(f.path == "");
  CHECK(f.message == "attributes: refused by the channel's schema");

  krl::Value source = json(R"({"$id": "http://example.com/x", "id": "y",
                               "properties": {"when": {"type": "string", "format": "date-time"}}})");
  auto s = AttrsSchema::compile(source, &err);
  REQUIRE(s);
  CHECK(krl::equal(s->source(), source));      // as given, not as rewritten
  CHECK(ok(*s, R"({"when": "not a date"})"));  // format is an annotation
  CHECK(failure(*s, R"({"when": 5})").path == "/when");
}

// ---- validating: the adapter ----------------------------------------------------------

TEST_CASE("attrs schema: types, numbers and numeric strings", "[attrs_schema]") {
  auto s = compile(R"({"properties": {
      "n": {"type": "number"}, "i": {"type": "integer"}, "s": {"type": "string"},
      "b": {"type": "boolean"}, "z": {"type": "null"}, "a": {"type": "array"},
      "m": {"type": "object"}, "ns": {"type": ["number", "string"], "pattern": "^-?[0-9]+(\\.[0-9]+)?$"}}})");
  CHECK(ok(*s, R"({"n": 1.5, "i": 3, "s": "x", "b": false, "z": null, "a": [], "m": {}})"));
  CHECK(ok(*s, R"({"i": 3.0, "i2": "anything else is allowed"})"));
  CHECK(ok(*s, R"({"ns": 78.8})"));
  CHECK(ok(*s, R"({"ns": "78.8"})"));

  CHECK(failure(*s, R"({"n": "1.5"})").message == "attribute /n: expected a number, got a string");
  CHECK(failure(*s, R"({"i": 3.5})").message == "attribute /i: expected an integer, got a number");
  CHECK(failure(*s, R"({"s": 1})").message == "attribute /s: expected a string, got a number");
  CHECK(failure(*s, R"({"b": "true"})").message ==
        "attribute /b: expected a boolean, got a string");
  CHECK(failure(*s, R"({"z": 0})").message == "attribute /z: expected null, got a number");
  CHECK(failure(*s, R"({"a": {}})").message == "attribute /a: expected an array, got a map");
  CHECK(failure(*s, R"({"m": []})").message == "attribute /m: expected a map, got an array");
  CHECK(failure(*s, R"({"ns": null})").message ==
        "attribute /ns: expected a number or a string, got null");
  auto f = failure(*s, R"({"ns": "78,8"})");
  CHECK(f.path == "/ns");
  CHECK(f.message == "attribute /ns: expected a string matching /^-?[0-9]+(\\.[0-9]+)?$/");

  // the root
  auto root = compile(R"({"type": "object"})");
  f = failure(*root, "[1, 2]");
  CHECK(f.path == "");
  CHECK(f.message == "attributes: expected a map, got an array");
}

TEST_CASE("attrs schema: maps: required, additionalProperties, dependencies", "[attrs_schema]") {
  auto s = compile(R"({"type": "object", "required": ["id"],
                       "properties": {"id": {"type": "string"}, "opts": {
                         "type": "object", "additionalProperties": false,
                         "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                         "dependencies": {"a": ["b"]}}},
                       "additionalProperties": {"type": ["string", "object"]}})");
  CHECK(ok(*s, R"({"id": "x"})"));
  CHECK(ok(*s, R"({"id": "x", "extra": "y", "_headers": {"host": "h"}})"));
  CHECK(ok(*s, R"({"id": "x", "opts": {"a": 1, "b": 2}})"));

  auto f = failure(*s, R"({"ID": "x"})");
  CHECK(f.path == "/id");
  CHECK(f.message == "attribute /id is missing");
  f = failure(*s, R"({"id": "x", "opts": {"b": 1, "c": 2}})");
  CHECK(f.path == "/opts/c");
  CHECK(f.message == "attribute /opts/c is not allowed");
  f = failure(*s, R"({"id": "x", "opts": {"a": 1}})");
  CHECK(f.path == "/opts/b");
  CHECK(f.message == "attribute /opts/b is missing");
  f = failure(*s, R"({"id": "x", "extra": 5})");
  CHECK(f.path == "/extra");
  CHECK(f.message == "attribute /extra: expected a string or a map, got a number");

  // a false subschema for one property
  auto no_b = compile(R"({"properties": {"b": false}})");
  f = failure(*no_b, R"({"a": 1, "b": 2})");
  CHECK(f.path == "/b");
  CHECK(f.message == "attribute /b is not allowed");

  // a large map (hashed lookups in krl::Map)
  krl::Map big;
  for (int i = 0; i < 100; ++i) big.set("k" + std::to_string(i), krl::Value(i));
  auto k50 = compile(R"({"required": ["k99"], "properties": {"k50": {"type": "string"}}})");
  f = failure(*k50, krl::Value(big));
  CHECK(f.path == "/k50");
  big.erase("k99");
  big.set("k50", krl::Value("fifty"));
  CHECK(failure(*k50, krl::Value(big)).path == "/k99");
}

TEST_CASE("attrs schema: arrays: items, tuples, sizes, uniqueness, contains", "[attrs_schema]") {
  auto s = compile(R"({"properties": {
      "xs": {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 3},
      "pair": {"items": [{"type": "string"}, {"type": "number"}], "additionalItems": false},
      "set": {"uniqueItems": true, "maxItems": 10},
      "has": {"contains": {"const": "x"}}}})");
  CHECK(ok(*s,
           R"({"xs": [1, 2], "pair": ["a", 1], "set": [1, "1", [1], {"a": 1}], "has": [1, "x"]})"));
  auto f = failure(*s, R"({"xs": [1, "2"]})");
  CHECK(f.path == "/xs/1");
  CHECK(f.message == "attribute /xs/1: expected a number, got a string");
  CHECK(failure(*s, R"({"xs": []})").message == "attribute /xs: expected at least 1 items");
  CHECK(failure(*s, R"({"xs": [1, 2, 3, 4]})").message ==
        "attribute /xs: expected at most 3 items");
  f = failure(*s, R"({"pair": [1, 1]})");
  CHECK(f.path == "/pair/0");
  CHECK(f.message == "attribute /pair/0: expected a string, got a number");
  CHECK(failure(*s, R"({"pair": ["a", 1, 2]})").path == "/pair");
  f = failure(*s, R"({"set": [{"a": [1]}, {"a": [1]}]})");
  CHECK(f.message == "attribute /set: has duplicate items");
  CHECK(failure(*s, R"({"has": ["y"]})").message ==
        "attribute /has: has no item matching the \"contains\" schema");
}

TEST_CASE("attrs schema: enum, const, pattern, lengths, limits, multipleOf", "[attrs_schema]") {
  auto s = compile(R"({"properties": {
      "unit": {"enum": ["F", "C", {"k": [1, 2]}]},
      "v": {"const": {"a": [1, null, true]}},
      "guid": {"type": "string", "pattern": "^[0-9A-F]{12}$"},
      "name": {"type": "string", "minLength": 2, "maxLength": 4},
      "pct": {"type": "number", "minimum": 0, "maximum": 100},
      "t": {"exclusiveMinimum": -273.15, "exclusiveMaximum": 1e3},
      "step": {"multipleOf": 5}, "half": {"multipleOf": 0.5}}})");
  CHECK(ok(*s, R"({"unit": "F", "v": {"a": [1, null, true]}, "guid": "5CCF7F0EC86F",
                   "name": "ab", "pct": 100, "t": 20.5, "step": 15, "half": 2.5})"));
  CHECK(ok(*s, R"({"unit": {"k": [1, 2]}, "name": "héé"})"));  // lengths in code points
  CHECK(failure(*s, R"({"unit": "K"})").message ==
        "attribute /unit: not one of the allowed values");
  CHECK(failure(*s, R"({"unit": {"k": [1, 2, 3]}})").path == "/unit");
  CHECK(failure(*s, R"({"v": {"a": [1, null, false]}})").message ==
        "attribute /v: not the expected value");
  CHECK(failure(*s, R"({"guid": "5ccf7f0ec86f"})").message ==
        "attribute /guid: expected a string matching /^[0-9A-F]{12}$/");
  CHECK(failure(*s, R"({"name": "a"})").message ==
        "attribute /name: expected at least 2 characters");
  CHECK(failure(*s, R"({"name": "abcde"})").message ==
        "attribute /name: expected at most 4 characters");
  CHECK(failure(*s, R"({"pct": 100.5})").message == "attribute /pct: expected a number <= 100");
  CHECK(failure(*s, R"({"pct": -1})").message == "attribute /pct: expected a number >= 0");
  CHECK(failure(*s, R"({"t": -273.15})").message == "attribute /t: expected a number > -273.15");
  CHECK(failure(*s, R"({"t": 1000})").message == "attribute /t: expected a number < 1000");
  CHECK(failure(*s, R"({"step": 7})").message == "attribute /step: expected a multiple of 5");
  CHECK(failure(*s, R"({"half": 0.25})").path == "/half");
}

TEST_CASE("attrs schema: combinators and errorMessage", "[attrs_schema]") {
  auto s = compile(R"({"properties": {
      "any": {"anyOf": [{"type": "number"}, {"type": "string", "pattern": "^[0-9]+$"}]},
      "one": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
      "all": {"allOf": [{"type": "object", "required": ["a"]},
                        {"properties": {"a": {"type": "string"}}}]},
      "not": {"not": {"type": "null"}},
      "cond": {"if": {"properties": {"kind": {"const": "t"}}},
               "then": {"required": ["tempF"]}, "else": {"required": ["value"]}},
      "msg": {"type": "number", "errorMessage": "expected degrees as a number"},
      "anymsg": {"anyOf": [{"type": "number"}, {"type": "boolean"}],
                 "errorMessage": "expected a number or a boolean"}}})");
  CHECK(ok(*s, R"({"any": 1, "one": 1.5, "all": {"a": "x"}, "not": 0,
                   "cond": {"kind": "t", "tempF": 1}, "msg": 1, "anymsg": true})"));
  CHECK(ok(*s, R"({"any": "12", "cond": {"kind": "h", "value": 1}})"));
  auto f = failure(*s, R"({"any": "x"})");
  CHECK(f.path == "/any");
  CHECK(f.message == "attribute /any: does not match any of the allowed schemas");
  CHECK(failure(*s, R"({"one": 1})").message ==
        "attribute /one: matches more than one of the schemas of a oneOf");
  f = failure(*s, R"({"all": {"a": 1}})");
  CHECK(f.path == "/all/a");
  CHECK(f.message == "attribute /all/a: expected a string, got a number");
  CHECK(failure(*s, R"({"all": {}})").path == "/all/a");
  CHECK(failure(*s, R"({"not": null})").message ==
        "attribute /not: matches a schema it must not match");
  CHECK(failure(*s, R"({"cond": {"kind": "t", "value": 1}})").path == "/cond/tempF");
  CHECK(failure(*s, R"({"cond": {"kind": "h"}})").path == "/cond/value");
  CHECK(failure(*s, R"({"msg": "1"})").message == "attribute /msg: expected degrees as a number");
  CHECK(failure(*s, R"({"anymsg": "1"})").message ==
        "attribute /anymsg: expected a number or a boolean");
}

TEST_CASE("attrs schema: failure paths are JSON Pointers (~0, ~1) and shortened in messages",
          "[attrs_schema]") {
  auto s = compile(R"({"properties": {"a/b": {"properties": {"c~d": {
                       "items": {"required": ["e/f~"]}}}}}})");
  auto f = failure(*s, R"({"a/b": {"c~d": [{}, {"x": 1}]}})");
  CHECK(f.path == "/a~1b/c~0d/0/e~1f~0");
  CHECK(f.message == "attribute /a~1b/c~0d/0/e~1f~0 is missing");

  std::string key(300, 'k');
  auto deep = compile(R"({"additionalProperties": {"type": "number"}})");
  f = failure(*deep, "{\"" + key + "\": \"x\"}");
  CHECK(f.path == "/" + key);
  CHECK(f.message == "attribute /" + key.substr(0, 199) + "...: expected a number, got a string");
}

// ---- bounds ------------------------------------------------------------------------

TEST_CASE("attrs schema: deeply nested attributes are refused without recursion",
          "[attrs_schema]") {
  // As bad/deeply-nested.json, which the HTTP layer's parser already refuses
  // at krl::kMaxJsonDepth: here built directly, far deeper than any limit.
  krl::Value v(krl::Map{});
  for (int i = 0; i < 5000; ++i) v = krl::Value(krl::Map{{"a", v}});
  auto s = compile(R"({"type": "object", "additionalProperties": {"$ref": "#"}})");
  auto f = failure(*s, v);
  CHECK(f.message.find(": nested deeper than 128 levels") != std::string::npos);
  CHECK(f.path.size() == 128 * 2);  // "/a" x 128

  // a recursive schema on attributes within the bound
  krl::Value ok_depth(krl::Map{});
  for (int i = 0; i < AttrsSchema::kMaxAttrsDepth - 1; ++i) {
    ok_depth = krl::Value(krl::Map{{"a", ok_depth}});
  }
  CHECK_FALSE(s->validate(ok_depth));
  krl::Value bad_leaf(krl::Map{{"a", krl::Value(1)}});
  for (int i = 0; i < AttrsSchema::kMaxAttrsDepth - 2; ++i) {
    bad_leaf = krl::Value(krl::Map{{"a", bad_leaf}});
  }
  f = failure(*s, bad_leaf);
  CHECK(f.path.size() == static_cast<std::size_t>(AttrsSchema::kMaxAttrsDepth - 1) * 2);
  CHECK(f.message.find(": expected a map, got a number") != std::string::npos);
}

TEST_CASE("attrs schema: the work per validation is bounded", "[attrs_schema]") {
  // 2^24 ways through the anyOfs for one value: refused, quickly.
  std::string defs;
  for (int i = 0; i < 24; ++i) {
    defs += "\"d" + std::to_string(i) + R"(": {"anyOf": [{"$ref": "#/definitions/d)" +
            std::to_string(i + 1) + R"("}, {"$ref": "#/definitions/d)" + std::to_string(i + 1) +
            "\"}]},";
  }
  auto s = compile(R"({"definitions": {)" + defs + R"("d24": {"type": "string"}},
                       "properties": {"x": {"$ref": "#/definitions/d0"}}})");
  auto start = std::chrono::steady_clock::now();
  auto f = failure(*s, R"({"x": 1})");
  CHECK(f.message == "attributes: too complex to check against the channel's schema");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(ok(*s, R"({"x": "s"})"));  // the first way through succeeds at once

  // 60 subschemas applied in place (30 anyOf + 30 $ref) at each of 127 levels: valijson's
  // recursion is stopped by the stack guard, not by the thread's stack.
  std::string defs30;
  for (int i = 0; i < 30; ++i) {
    defs30 += "\"c" + std::to_string(i) + R"(": {"anyOf": [{"$ref": "#/definitions/c)" +
              std::to_string(i + 1) + "\"}]},";
  }
  auto in_place = compile(R"({"definitions": {)" + defs30 +
                          R"("c30": {"type": "object",
                                     "additionalProperties": {"$ref": "#/definitions/c0"}}},
                              "$ref": "#/definitions/c0"})");
  krl::Value nested(krl::Map{});
  for (int i = 0; i < AttrsSchema::kMaxAttrsDepth - 1; ++i) {
    nested = krl::Value(krl::Map{{"a", nested}});
  }
  CHECK(failure(*in_place, nested).message ==
        "attributes: too complex to check against the channel's schema");
  CHECK(ok(*in_place, R"({"a": {"b": {}}})"));

  // 200,000 failing items: the first one is reported, the errors are not all collected.
  krl::Array xs(200'000, krl::Value(1));
  krl::Map m;
  m.set("xs", krl::Value(std::move(xs)));
  auto strings = compile(R"({"properties": {"xs": {"items": {"type": "string"}}}})");
  start = std::chrono::steady_clock::now();
  f = failure(*strings, krl::Value(std::move(m)));
  CHECK(f.path == "/xs/0");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  // long strings against patterns (std::regex would recurse per character):
  // matched, or refused as too complex by Boost.Regex's bound, never a crash
  auto digits = compile(R"({"properties": {"d": {"pattern": "^[0-9]+$"},
                                           "alt": {"pattern": "^([0-9]|x)+$"}}})");
  krl::Map long_string;
  long_string.set("d", krl::Value(std::string(500'000, '7')));
  CHECK_FALSE(digits->validate(krl::Value(long_string)));
  long_string.set("d", krl::Value(std::string(500'000, '7') + "!"));
  CHECK(failure(*digits, krl::Value(long_string)).path == "/d");
  krl::Map alt;
  alt.set("alt", krl::Value(std::string(500'000, '7')));
  if (auto f2 = digits->validate(krl::Value(alt))) {
    CHECK(f2->message == "attribute /alt: too complex to match against /^([0-9]|x)+$/");
  }
}

// ---- the ESProto heartbeat schema -----------------------------------------------------

TEST_CASE("attrs schema: esproto heartbeat schema accepts every valid heartbeat",
          "[attrs_schema][esproto]") {
  auto schema = esproto_schema();
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kEsproto)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    ++n;
    INFO(entry.path().filename().string());
    krl::Value v = payload(entry.path().filename().string());
    auto f = schema->validate(v);
    if (f) INFO(f->message);
    CHECK_FALSE(f);
    // as the HTTP layer merges them: with _headers and query attributes
    krl::Map merged = v.as_map();
    merged.set("_headers", json(R"({"content-type": "application/json", "host": "h"})"));
    merged.set("extra", krl::Value("from the query string"));
    CHECK_FALSE(schema->validate(krl::Value(merged)));
  }
  CHECK(n >= 6);  // temp-*.json, msa.json, msa-string-numbers.json
}

TEST_CASE("attrs schema: esproto heartbeat schema refuses every bad heartbeat",
          "[attrs_schema][esproto]") {
  auto schema = esproto_schema();
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"data-not-a-map.json",
       {"/genericThing/data", "attribute /genericThing/data: expected a map, got a string"}},
      {"missing-genericThing.json", {"/genericThing", "attribute /genericThing is missing"}},
      {"not-an-object.json", {"", "attributes: expected a map, got an array"}},
      {"null-reading.json",
       {"/genericThing/data/temperature/0/temperatureF",
        "attribute /genericThing/data/temperature/0/temperatureF: expected a number or a "
        "numeric string"}},
      {"readings-not-a-list.json",
       {"/genericThing/data/temperature",
        "attribute /genericThing/data/temperature: expected an array, got a map"}},
  };
  // refused before any schema by the HTTP layer's JSON parser
  const std::set<std::string> unparsable = {"invalid-utf8.json", "truncated.json",
                                            "deeply-nested.json"};
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kEsproto / "bad")) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    INFO(name);
    ++n;
    krl::Value v;
    std::string err;
    if (!krl::parse_json(read_file(entry.path()), &v, &err)) {
      CHECK(unparsable.count(name) == 1);
      continue;
    }
    auto f = schema->validate(v);
    REQUIRE(f);
    INFO(f->message);
    auto it = expected.find(name);
    if (it == expected.end()) {
      CHECK(f->message.rfind("attribute", 0) == 0);  // a new bad payload: refused, somewhere
      continue;
    }
    CHECK(f->path == it->second.first);
    CHECK(f->message == it->second.second);
  }
  CHECK(n >= 8);
}

TEST_CASE("attrs schema: esproto heartbeat schema: numbers, strings, other sensor types",
          "[attrs_schema][esproto]") {
  auto schema = esproto_schema();
  const krl::Value msa = payload("msa.json");
  const std::vector<std::string> f0 = {"genericThing", "data", "temperature", "0", "temperatureF"};
  auto with = [&](std::vector<std::string> path, const krl::Value& v) {
    return schema->validate(replace(msa, std::move(path), v));
  };
  for (const char* numeral : {"78.8", "-1", "+2.5", ".5", "5.", "1e3", "-1.5E-3", "0"}) {
    INFO(numeral);
    CHECK_FALSE(with(f0, krl::Value(numeral)));
  }
  for (const char* not_numeral :
       {"", "abc", "78,8", " 78.8", "78.8\n", "0x1f", "Infinity", "1e", "--1"}) {
    INFO(not_numeral);
    auto f = with(f0, krl::Value(not_numeral));
    REQUIRE(f);
    CHECK(f->path == "/genericThing/data/temperature/0/temperatureF");
  }
  CHECK(with(f0, krl::Value(std::string(40, '1'))));  // numerals are short
  CHECK(with(f0, json("[78.8]")));
  CHECK(with(f0, json("true")));

  auto f = with({"genericThing", "healthPercent"}, krl::Value("low"));
  REQUIRE(f);
  CHECK(f->path == "/genericThing/healthPercent");
  f = with({"genericThing", "data", "humidity", "0", "humidity"}, krl::Value());
  REQUIRE(f);
  CHECK(f->path == "/genericThing/data/humidity/0/humidity");
  f = with({"genericThing", "data", "pressure", "0"}, json(R"({"name": "no value"})"));
  REQUIRE(f);
  CHECK(f->path == "/genericThing/data/pressure/0/pressure");
  CHECK(f->message == "attribute /genericThing/data/pressure/0/pressure is missing");
  f = with({"genericThing", "data", "temperature", "1"}, krl::Value());
  REQUIRE(f);
  CHECK(f->message == "attribute /genericThing/data/temperature/1: expected a map, got null");
  f = with({"genericThing"}, krl::Value("thing"));
  REQUIRE(f);
  CHECK(f->message == "attribute /genericThing: expected a map, got a string");
  f = with({"genericThing", "data"}, krl::Value(krl::Map{}));
  CHECK_FALSE(f);  // no readings is a heartbeat still
  f = with({"genericThing", "data", "temperature"}, krl::Value(krl::Array{}));
  CHECK_FALSE(f);
  f = with({"emitterGUID"}, krl::Value(5));
  REQUIRE(f);
  CHECK(f->path == "/emitterGUID");

  // a sensor type the router does not know: a list of maps
  CHECK_FALSE(with({"genericThing", "data", "light"}, json(R"([{"name": "lux", "light": 300}])")));
  f = with({"genericThing", "data", "light"}, krl::Value("bright"));
  REQUIRE(f);
  CHECK(f->message == "attribute /genericThing/data/light: expected an array, got a string");
  f = with({"genericThing", "data", "light"}, json("[null]"));
  REQUIRE(f);
  CHECK(f->path == "/genericThing/data/light/0");
  krl::Array many(65, json(R"({"temperatureF": 1})"));
  f = with({"genericThing", "data", "temperature"}, krl::Value(many));
  REQUIRE(f);
  CHECK(f->message == "attribute /genericThing/data/temperature: expected at most 64 items");
}

// ---- threads ----------------------------------------------------------------------------

TEST_CASE("attrs schema: one schema validated on many threads at once", "[attrs_schema]") {
  auto schema = esproto_schema();
  const krl::Value good = payload("msa-string-numbers.json");
  const krl::Value bad = payload("bad/null-reading.json");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        bool use_good = (i + t) % 3 != 0;
        auto f = schema->validate(use_good ? good : bad);
        if (use_good ? f.has_value()
                     : (!f || f->path != "/genericThing/data/temperature/0/temperatureF")) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

// encode_json (the reference's encode) and parse_json.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "engine/krl/value.h"

using namespace spime::krl;

namespace {

Value parse(std::string_view text) {
  Value v;
  std::string err;
  INFO(text);
  REQUIRE(parse_json(text, &v, &err));
  return v;
}

std::string parse_error(std::string_view text, int depth = 64) {
  Value v = "untouched";
  std::string err;
  INFO(text);
  REQUIRE_FALSE(parse_json(text, &v, &err, depth));
  CHECK(v.as_string() == "untouched");
  return err;
}

}  // namespace

TEST_CASE("encode_json as JSON.stringify with the reference's replacer", "[values]") {
  CHECK(encode_json(Value()) == "null");
  CHECK(encode_json(Value(true)) == "true");
  CHECK(encode_json(Value(1e21)) == "1e+21");
  CHECK(encode_json(Value(0.5)) == "0.5");
  CHECK(encode_json(Value(std::numeric_limits<double>::infinity())) == "\"[JSObject]\"");
  CHECK(encode_json(Value("a\"b\\c\n\t\x01\x7f/é")) == "\"a\\\"b\\\\c\\n\\t\\u0001\x7f/é\"");
  CHECK(encode_json(Value(Array{})) == "[]");
  CHECK(encode_json(Value(Map{})) == "{}");
  Value v = Map{{"b", Array{1, "two", Value()}}, {"a", Map{}}, {"1", false}};
  CHECK(encode_json(v) == R"({"1":false,"b":[1,"two",null],"a":{}})");
  CHECK(encode_json(v, 2) ==
        "{\n  \"1\": false,\n  \"b\": [\n    1,\n    \"two\",\n    null\n  ],\n  \"a\": {}\n}");
  CHECK(encode_json(Value(Array{1}), 99) == "[\n          1\n]");  // at most 10
  CHECK(encode_json(Value(Array{1}), -3) == "[1]");
  auto re = std::make_shared<RegExp>();
  re->source = "a+";
  re->global = true;
  CHECK(encode_json(Value(Array{Value(std::shared_ptr<const RegExp>(re))})) == "[\"re#a+#g\"]");
}

TEST_CASE("parse_json reads JSON into values", "[values]") {
  CHECK(parse("null").is_null());
  CHECK(parse(" true ").as_bool());
  CHECK(parse("-0.5e2").as_number() == -50);
  CHECK(parse("12345678901234567890").as_number() == 12345678901234567890.0);
  CHECK(parse(R"("a\u00e9\ud83d\ude00\n\/")").as_string() == "a\xC3\xA9\xF0\x9F\x98\x80\n/");
  CHECK(parse(R"("\ud800x")").as_string() == "\xEF\xBF\xBDx");  // lone surrogate
  CHECK(parse("\"h\xC3\xA9\"").as_string() == "h\xC3\xA9");
  Value m = parse(R"({"b":1,"a":[1,{"c":null}],"2":3,"b":4})");
  REQUIRE(m.is_map());
  CHECK(encode_json(m) == R"({"2":3,"b":4,"a":[1,{"c":null}]})");
  CHECK(parse("[]").as_array().empty());
  CHECK(parse("{ }").as_map().empty());
}

TEST_CASE("parse_json rejects bad input with an offset", "[values]") {
  CHECK(parse_error("") == "unexpected end of JSON input at offset 0");
  CHECK(parse_error("[1,]") == "unexpected character at offset 3");
  CHECK(parse_error("{\"a\" 1}") == "expected ':' at offset 5");
  CHECK(parse_error("[1 2]") == "expected ',' or ']' at offset 3");
  CHECK(parse_error("01") == "unexpected character after JSON value at offset 1");
  CHECK(parse_error("1.") == "invalid number at offset 2");
  CHECK(parse_error("\"abc") == "unterminated string at offset 4");
  CHECK(parse_error("\"a\x01\"") == "control character in string at offset 2");
  CHECK(parse_error("\"\\x\"") == "invalid escape at offset 2");
  CHECK(parse_error("\"\\u12g4\"") == "invalid \\u escape at offset 5");
  CHECK(parse_error("\"\xFF\"") == "invalid UTF-8 at offset 1");
  CHECK(parse_error("\"\xC3\"") == "invalid UTF-8 at offset 1");
  CHECK(parse_error("\"\xE0\x80\x80\"") == "invalid UTF-8 at offset 1");  // overlong
  CHECK(parse_error("\"\xED\xA0\x80\"") == "invalid UTF-8 at offset 1");  // surrogate
  CHECK(parse_error("{'a':1}") == "expected a string key at offset 1");
  CHECK(parse_error("nul") == "unexpected character at offset 0");
  CHECK(parse_error("[[[1]]]", 2) == "nesting deeper than 2 at offset 2");
  CHECK(parse_error(std::string(100000, '[')) == "nesting deeper than 64 at offset 64");
  Value v;
  std::string err;
  CHECK(parse_json("[[1]]", &v, &err, 2));
}

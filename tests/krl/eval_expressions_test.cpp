#include "tests/krl/eval_test_util.h"

using namespace spime::krl;
using namespace spime::krl::testing;

TEST_CASE("literals and collections", "[eval]") {
  CHECK(eval_json("null") == "null");
  CHECK(eval_json("[1, \"a\", true, {\"k\": [2]}]") == "[1,\"a\",true,{\"k\":[2]}]");
  CHECK(eval_json("-3.5") == "-3.5");
}

TEST_CASE("infix, unary and conditional", "[eval]") {
  CHECK(eval_json("1 + 2 * 3") == "7");
  CHECK(eval_json("null + 1") == "\"null1\"");
  CHECK(eval_json("not 0") == "true");
  CHECK(eval_json("- (2 + 3)") == "-5");
  CHECK(eval_json("3 > 2 => \"y\" | \"n\"") == "\"y\"");
  CHECK(eval_json("[1,2] >< 2") == "true");
  CHECK(eval_json("\"abc\" like re#b#") == "true");
}

TEST_CASE("&& and || short-circuit and return operands", "[eval]") {
  CHECK(eval_json("0 || \"x\"") == "\"x\"");
  CHECK(eval_json("\"a\" && \"b\"") == "\"b\"");
  CHECK(eval_json("null && 1(2)") == "null");
}

TEST_CASE("chevrons use toString", "[eval]") {
  CHECK(eval_json("<<a #{1 + 1} b #{null} #{[1]} #{{}}>>") == "\"a 2 b null [Array] [Map]\"");
}

TEST_CASE("member access is null-safe", "[eval]") {
  CHECK(eval_json("{\"a\": {\"b\": [10, 20]}}{[\"a\", \"b\", 1]}") == "20");
  CHECK(eval_json("{\"a\": 1}{\"zz\"}") == "null");
  CHECK(eval_json("null{\"a\"}") == "null");
  CHECK(eval_json("[5, 6][1]") == "6");
  CHECK(eval_json("{\"a.b\": 3}[\"a.b\"]") == "3");
}

TEST_CASE("operators via dot call the stdlib", "[eval]") {
  CHECK(eval_json("\"12\".as(\"Number\") + 1") == "13");
  CHECK(eval_json("null.defaultsTo(4)") == "4");
  CHECK(eval_json("as(\"5\", \"Number\")") == "5");
}

TEST_CASE("unknown identifiers are compile errors", "[eval][check]") {
  auto errs = compile_errors("1 + nope");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].message == "Undefined id: nope");
  CHECK(errs[0].format() == "test:1:5: Undefined id: nope");
  auto errs2 = compile_errors("foo:bar(1)");
  REQUIRE(errs2.size() == 1);
  CHECK(errs2[0].message == "Undefined domain: foo");
}

TEST_CASE("runtime errors carry a location", "[eval]") {
  try {
    eval("\n  1 - \"a\"");
    FAIL("no error");
  } catch (const KrlError& e) {
    CHECK(e.loc().line == 2);
  }
}

namespace {

// "Kind: message" of evaluating `src` under small limits; "<no error>" when it succeeds.
std::string limited_error(const std::string& src, size_t max_string, size_t max_collection) {
  EvalContext ctx;
  ctx.limits.max_string_bytes = max_string;
  ctx.limits.max_collection_size = max_collection;
  try {
    eval(src, nullptr, &ctx);
  } catch (const KrlError& e) {
    CHECK(e.loc().line == 1);
    return e.kind() + ": " + e.message();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("string building respects max_string_bytes", "[eval][limits]") {
  CHECK(limited_error(R"("abcd" + "efgh")", 8, 100) == "<no error>");
  CHECK(limited_error(R"("abcd" + "efgh")", 7, 100) ==
        "RangeError: String concatenation result exceeds max_string_bytes (7 bytes)");
  // Mixed operands are stringified first; the result is checked.
  CHECK(limited_error(R"("abcdef" + 12)", 7, 100) ==
        "RangeError: String concatenation result exceeds max_string_bytes (7 bytes)");
  CHECK(limited_error(R"(12 + [1])", 9, 100) == "<no error>");  // "12[Array]": 9 bytes
  CHECK(limited_error(R"(12 + [1])", 8, 100) ==
        "RangeError: String concatenation result exceeds max_string_bytes (8 bytes)");
  CHECK(limited_error(R"(1 + 2)", 0, 100) == "<no error>");  // numbers are not strings
  CHECK(limited_error(R"(<<abcd#{"efgh"}>>)", 7, 100) ==
        "RangeError: A chevron string result exceeds max_string_bytes (7 bytes)");
  // regexp replace (string and function replacements) checks its result too.
  CHECK(limited_error(R"("aaaa".replace(re#a#g, "bb"))", 8, 100) == "<no error>");
  CHECK_THAT(limited_error(R"("aaaa".replace(re#a#g, "bb"))", 7, 100),
             Catch::Contains("max_string_bytes (7 bytes)"));
  CHECK_THAT(limited_error(R"("aaaa".replace(re#a#g, function(m) { "bbb" }))", 7, 100),
             Catch::Contains("max_string_bytes (7 bytes)"));
}

TEST_CASE("collection literals and append respect max_collection_size", "[eval][limits]") {
  CHECK(limited_error("[1, 2, 3, 4]", 100, 4) == "<no error>");
  CHECK(limited_error("[1, 2, 3, 4, 5]", 100, 4) ==
        "RangeError: An array literal of 5 elements exceeds max_collection_size (4 elements)");
  CHECK(limited_error(R"({"a": 1, "b": 2, "c": 3})", 100, 2) ==
        "RangeError: A map literal of 3 elements exceeds max_collection_size (2 elements)");
  CHECK(limited_error("[1, 2].append([3, 4])", 100, 4) == "<no error>");
  CHECK_THAT(limited_error("[1, 2, 3].append([4, 5])", 100, 4),
             Catch::Contains("max_collection_size"));
  CHECK_THAT(limited_error("[1, 2, 3].append(4, 5)", 100, 4),
             Catch::Contains("max_collection_size"));
}

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

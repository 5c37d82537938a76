#include "tests/krl/eval_test_util.h"

using namespace spime::krl;
using namespace spime::krl::testing;

TEST_CASE("functions: closures, defaults, named args", "[eval]") {
  CHECK(eval_json("function(x){ y = 2; x * y }(21)") == "42");
  CHECK(eval_json("function(a, b = a + 1){ [a, b] }(1)") == "[1,2]");
  CHECK(eval_json("function(a, b = 5){ [a, b] }(b = 7, a = 1)") == "[1,7]");
  CHECK(eval_json("function(a, b){ [a, b] }(1, 2, 3)") == "[1,2]");
  // A closure keeps its defining frame.
  CHECK(eval_json("function(n){ add = function(x){ x + n }; add }(10)(5)") == "15");
}

TEST_CASE("recursion and call depth", "[eval]") {
  CHECK(
      eval_json("function(){ fact = function(n){ n <= 1 => 1 | n * fact(n - 1) }; fact(10) }()") ==
      "3628800");
  std::string err = eval_error("function(){ f = function(n){ f(n + 1) }; f(0) }()");
  CHECK(err.find("RangeError: Maximum call stack size exceeded") == 0);
}

TEST_CASE("step limit stops runaway evaluation", "[eval]") {
  EvalContext ctx;
  ctx.limits.max_steps = 1000;
  ctx.limits.max_call_depth = 100000;
  CHECK_THROWS_WITH(
      eval("function(){ fib = function(n){ n < 2 => n | fib(n - 1) + fib(n - 2) }; fib(30) }()",
           nullptr, &ctx),
      Catch::Contains("step limit"));
}

TEST_CASE("x.f(args) calls a function in scope with x first", "[eval]") {
  CHECK(eval_json(
            "function(){ double = function(x, k = 2){ x * k }; [3.double(), 3.double(5)] }()") ==
        "[6,15]");
}

TEST_CASE("calling a non-function", "[eval]") {
  CHECK(eval_error("function(){ x = 3; x(1) }()") == "TypeError: 3 is not a function");
}

TEST_CASE("parameter errors", "[eval][check]") {
  auto errs = compile_errors("function(a, a){ a }");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].message == "Duplicate parameter: a");
  errs = compile_errors("function(a = 1, b){ a }");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].message == "Cannot have a non-default parameter after a defaulted one");
  errs = compile_errors("function(){ a = 1; a = 2; a }");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].message == "Duplicate declaration: a");
  errs = compile_errors("send_directive(\"x\")");
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].message == "Not a function: Action");
}

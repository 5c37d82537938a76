// Expression parsing, ported from the reference's krl-parser/test/expressions.ts
// and errors.ts, plus error formatting, locations and limits.
#include <catch2/catch.hpp>

#include <string>

#include "engine/krl/limits.h"
#include "engine/krl/parser.h"
#include "tests/krl/ast_print.h"

using spime::krl::parse_expression;
using spime::krl::parse_ruleset;
using spime::krl::ParseError;
using spime::krl::test::print;

namespace {

// The expression as an S-expression, or "ERR <message> @line:col".
std::string E(std::string_view src) {
  ParseError err;
  auto e = parse_expression(src, "t.krl", &err);
  if (!e)
    return "ERR " + err.message + " @" + std::to_string(err.loc.line) + ":" +
           std::to_string(err.loc.col);
  return print(e.get());
}

// The error of parsing a ruleset: "message|offset".
std::string rs_error(std::string_view src) {
  ParseError err;
  auto rs = parse_ruleset(src, "t.krl", &err);
  if (rs) return "parsed";
  return err.message + "|" + std::to_string(err.loc.offset);
}

std::string expr_error(std::string_view src) {
  ParseError err;
  auto e = parse_expression(src, "t.krl", &err);
  if (e) return "parsed";
  return err.message + "|" + std::to_string(err.loc.offset);
}

}  // namespace

TEST_CASE("parser: literals", "[parser]") {
  CHECK(E("123") == "123");
  CHECK(E("\"abcd\"") == "\"abcd\"");
  CHECK(E("\"one\ntwo\"") == "\"one\\ntwo\"");
  CHECK(E("\"one\\\"two\"") == "\"one\\\"two\"");
  CHECK(E("\"a\\\\b\"") == "\"a\\\\b\"");
  // 1.x strings keep other backslash sequences as written.
  CHECK(E("\"a\\nb\"") == "\"a\\\\nb\"");
  CHECK(E("-1") == "(- 1)");
  CHECK(E("1.5") == "1.5");
  CHECK(E("+1.5") == "(+ 1.5)");
  CHECK(E("-.50") == "(- 0.5)");
  CHECK(E("-0.0") == "(- 0)");
  CHECK(E("true") == "true");
  CHECK(E("false") == "false");
  CHECK(E("null") == "null");
  CHECK(E("foo") == "foo");
  CHECK(E("ent:foo") == "ent:foo");
  CHECK(E("[]") == "[]");
  CHECK(E("[\"one\"]") == "[\"one\"]");
  CHECK(E("[  1,  false ]") == "[1 false]");
  CHECK(E("[ 1, ]") == "[1]");
  CHECK(E("{}") == "{}");
  CHECK(E("{ \"one\" : \"two\", }") == "{\"one\": \"two\"}");
  CHECK(E("{\"1\":2,\"3\":true,\"5\":[]}") == "{\"1\": 2, \"3\": true, \"5\": []}");
}

TEST_CASE("parser: regular expressions", "[parser]") {
  CHECK(E("re#one#") == "re#one#");
  CHECK(E("re#one#ig") == "re#one#ig");
  CHECK(E("re#^one(/two)? .* $#ig") == "re#^one(/two)? .* $#ig");
  CHECK(E("re#\\# else\\\\#ig") == "re## else\\\\#ig");
  CHECK(E("re#/ok/g#ig") == "re#/ok/g#ig");
  CHECK(E("re##") == "re##");
  CHECK(E("re#a#gg") == "ERR Invalid regular expression flags 'gg' @1:1");
}

TEST_CASE("parser: chevrons", "[parser]") {
  CHECK(E("<<>>") == "(<<)");
  CHECK(E("<<\n  hello\n  >>") == "(<< \"\\n  hello\\n  \")");
  CHECK(E("<<#{1}>>") == "(<< 1)");
  CHECK(E("<<one#{2}three>>") == "(<< \"one\" 2 \"three\")");
  CHECK(E("<<one#{{\"one\":2}}three>>") == "(<< \"one\" {\"one\": 2} \"three\")");
  CHECK(E("<< This #{ x{\"flip\"} } that >>") == "(<< \" This \" (path x \"flip\") \" that \")");
  CHECK(E("<< double <<with>\\>in >>") == "(<< \" double <<with>>in \")");
  CHECK(E("<<one#{<<two#{three}>>}>>") == "(<< \"one\" (<< \"two\" three))");
  CHECK(E("<<one#{{\"two\":function(){<<#{three{four}}five>>}}}>>") ==
        "(<< \"one\" {\"two\": (fn () (<< (path three four) \"five\"))})");
  CHECK(E("<<a \\#{b} \\\\c>>") == "(<< \"a #{b} \\\\c\")");
  CHECK(E("<<abc") == "ERR Expected `>>` @1:5");
  CHECK(E("<<a#{b>>") == "ERR Expected an expression @1:8");  // `>>` is two `>` in a beesting
}

TEST_CASE("parser: calls, members, conditionals", "[parser]") {
  CHECK(E("one()") == "(call one)");
  CHECK(E("one ( 1 , 2 )") == "(call one 1 2)");
  CHECK(E("one (1,2)") == "(call one 1 2)");
  CHECK(E("one(1, a = 2, b = 3,)") == "(call one 1 a=2 b=3)");
  CHECK(E("1 + \"two\"") == "(+ 1 \"two\")");
  CHECK(E("1 like re#one#i") == "(like 1 re#one#i)");
  CHECK(E("a => b | c") == "(?: a b c)");
  CHECK(E("a => b | c => d | e") == "(?: a b (?: c d e))");
  CHECK(E("a=>b|c=>d|e") == "(?: a b (?: c d e))");
  CHECK(E("a[1]") == "(index a 1)");
  CHECK(E("matrix[i][j]") == "(index (index matrix i) j)");
  CHECK(E("foo{\"bar\"}") == "(path foo \"bar\")");
  CHECK(E("foo{\"bar\"}[\"baz\"]") == "(index (path foo \"bar\") \"baz\")");
  CHECK(E("one.two") == "(. one two)");
  CHECK(E("one.two()") == "(call (. one two))");
  CHECK(E("one().two") == "(. (call one) two)");
  CHECK(E("one().two()") == "(call (. (call one) two))");
  CHECK(E("1.5.two(3)") == "(call (. 1.5 two) 3)");
  CHECK(E("a.b:c") == "(. a b:c)");
  CHECK(E("foo(1).bar(baz(2))") == "(call (. (call foo 1) bar) (call baz 2))");
  CHECK(E("\"str\".trim()") == "(call (. \"str\" trim))");
  CHECK(E("not a") == "(not a)");
  CHECK(E("nota") == "nota");
  CHECK(E("not not a || b") == "(|| (not (not a)) b)");
  CHECK(E("not (a || b)") == "(not (|| a b))");
  CHECK(E("-a.b()") == "(- (call (. a b)))");
  CHECK(E("ent:x{[\"a\", \"b\"]}") == "(path ent:x [\"a\" \"b\"])");
}

TEST_CASE("parser: operator precedence and associativity", "[parser]") {
  CHECK(E("a + b") == "(+ a b)");
  CHECK(E("a+b+c") == "(+ (+ a b) c)");
  CHECK(E("a-b-c") == "(- (- a b) c)");
  CHECK(E("a+b*c") == "(+ a (* b c))");
  CHECK(E("a*b%c/d") == "(/ (% (* a b) c) d)");
  CHECK(E("a || b && c") == "(|| a (&& b c))");
  CHECK(E("(a || b) && c") == "(&& (|| a b) c)");
  CHECK(E("a && b cmp c") == "(&& a (cmp b c))");
  CHECK(E("a * b < c && d") == "(&& (< (* a b) c) d)");
  CHECK(E("a == b != c") == "(!= (== a b) c)");
  CHECK(E("a <=> b >< c <= d >= e") == "(>= (<= (>< (<=> a b) c) d) e)");
  CHECK(E("a > b < c") == "(< (> a b) c)");
  CHECK(E("a || b => c + 1 | d") == "(?: (|| a b) (+ c 1) d)");
  CHECK(E("-a * b") == "(* (- a) b)");
  CHECK(E("a - -b") == "(- a (- b))");
}

TEST_CASE("parser: functions", "[parser]") {
  CHECK(E("function(a){b}") == "(fn (a) b)");
  CHECK(E("function(){ent:foo}") == "(fn () ent:foo)");
  CHECK(E("function(a){b = 1;a(b);}") == "(fn (a) (= b 1) (call a b))");
  CHECK(E("function(a, b = 2,){a + b}") == "(fn (a b=2) (+ a b))");
  CHECK(E("function(a){b = c return [i]}") == "(fn (a) (= b c) [i])");
  CHECK(E("function(){\n one = 1;\n {\"two\":one}\n}") == "(fn () (= one 1) {\"two\": one})");
  CHECK(E("function(){\n one = 1;\n [index]\n}") == "(fn () (= one 1) [index])");
  CHECK(E("function (){}") == "ERR Expected the function return expression @1:13");
  CHECK(E("function(a){b = 1;a = 1;}") == "ERR Expected the function return expression @1:25");
  CHECK(expr_error("function(){a = one [i]}") == "Expected the function return expression|22");
  CHECK(expr_error("function(){a = one {path}}") == "Expected the function return expression|25");
  CHECK(E("function(return){1}") == "ERR Expected Identifier @1:10");
}

TEST_CASE("parser: defaction", "[parser]") {
  CHECK(E("defaction(){noop()}") == "(defaction () (every (noop)))");
  CHECK(E("defaction(a, b = 1){c = a + b send_directive(\"x\", {\"c\": c}) setting(r) return r}") ==
        "(defaction (a b=1) (= c (+ a b)) (every (send_directive \"x\" {\"c\": c} setting(r))) "
        "(return r))");
  CHECK(E("defaction(){every{noop() noop();} return semi;}") ==
        "(defaction () (every (noop) (noop)) (return semi))");
  CHECK(E("defaction(x){if x then sample {a() b()}}") == "(defaction (x) (sample if x (a) (b)))");
  CHECK(E("defaction(){}") == "(defaction () (every))");
  CHECK(E("defaction(){noop() return [foo, 1 + bar, baz()]}") ==
        "(defaction () (every (noop)) (return [foo (+ 1 bar) (call baz)]))");
  CHECK(expr_error("defaction(){noop() return }") == "Expected an expression|26");
  CHECK(expr_error("defaction(){noop() return a, b }") == "defaction can only return one value|27");
  CHECK(expr_error("defaction(){noop() returns a }") == "defaction can only return one value|27");
  CHECK(expr_error("defaction(){noop() expr }") == "Expected `return`|19");
}

TEST_CASE("parser: reserved words and keywords", "[parser]") {
  CHECK(E("return") == "ERR Reserved word @1:1");
  CHECK(E("setting") == "ERR Reserved word @1:1");
  CHECK(E("ent:null") == "ERR Expected Identifier @1:5");
  // Event-only keywords are not expressions, but do work after a dot.
  CHECK(E("count") == "ERR Expected an expression @1:1");
  CHECK(E("a.count()") == "(call (. a count))");
  CHECK(E("select") == "select");
  CHECK(E("a = \"one\"") == "ERR Expected `(end)` but was = @1:3");
  CHECK(E("a b") == "ERR Expected `(end)` but was SYMBOL @1:3");
  CHECK(E("a }") == "ERR Expected `(end)` but was } @1:3");
  CHECK(E("") == "ERR Expected an expression @1:1");
}

TEST_CASE("parser: locations", "[parser]") {
  ParseError err;
  auto e = parse_expression("\n  foo(1,\n    bar.baz + 2)", "f", &err);
  REQUIRE(e);
  auto* app = static_cast<spime::krl::ast::Application*>(e.get());
  CHECK(app->loc.line == 2);
  CHECK(app->loc.col == 3);
  CHECK(app->loc.offset == 3);
  REQUIRE(app->args.size() == 2);
  CHECK(app->args[1].loc.line == 3);
  CHECK(app->args[1].loc.col == 5);
  auto* plus = static_cast<spime::krl::ast::Infix*>(app->args[1].value.get());
  CHECK(plus->loc.col == 5);  // an infix node starts at its left operand
  CHECK(plus->right->loc.col == 15);
}

TEST_CASE("parser: error messages and format()", "[parser]") {
  CHECK(rs_error("ruleset a{rule b{fired{ent:c=1}}}") == "Expected `:=`|28");
  CHECK(rs_error("ruleset a{rule b{fired{ent:c:=}}}") == "Expected an expression|30");
  CHECK(rs_error("ruleset a{rule b{fired{wat}}}") == "Expected a declaration|23");
  CHECK(rs_error("ruleset a{rule b{fired{raise}}}") == "Expected `event`|28");
  CHECK(rs_error("ruleset a{global{foo()}}") == "Expected a declaration|17");
  CHECK(rs_error("ruleset a{rule b{pre{foo()}}}") == "Expected a declaration|21");

  ParseError err;
  CHECK_FALSE(parse_ruleset("ruleset a{", "a.krl", &err));
  CHECK(err.message == "Expected `}`");
  CHECK(err.loc.line == 1);
  CHECK(err.loc.col == 10);
  CHECK(err.format() == "a.krl:1:10: Expected `}`\nruleset a{\n         ^");

  CHECK_FALSE(parse_ruleset("ruleset a {\n  global {\n    x = \"abc\n  }\n}\n", "s.krl", &err));
  CHECK(err.message == "Missing close \"");
  CHECK(err.format() == "s.krl:3:9: Missing close \"\n    x = \"abc\n        ^");

  CHECK_FALSE(parse_ruleset("ruleset a {\n  global {\n\tx = 1 # 2\n  }\n}", "t.krl", &err));
  CHECK(err.message == "Unsupported characters");
  CHECK(err.format() == "t.krl:3:8: Unsupported characters\n\tx = 1 # 2\n\t      ^");

  CHECK(rs_error("ruleset a { /* never closed") == "Missing close */|12");
  CHECK(rs_error("ruleset a { global { x = re#abc } }") == "Missing close #|25");
  CHECK(rs_error("ruleset a {\n") == "Expected `}`|11");
  CHECK(rs_error("") == "Expected `ruleset`|0");
  CHECK(rs_error("rule") == "Expected `ruleset`|0");
  CHECK(rs_error("ruleset a{} b") == "Expected `(end)` but was SYMBOL|12");
  CHECK(rs_error("ruleset a{global{x = (1}}") == "Expected `)`|23");
  CHECK(rs_error("ruleset a{global{x = [1 2]}}") == "Expected `]`|24");
  CHECK(rs_error("ruleset a{global{x = {\"a\" 1}}}") == "Expected `:`|26");
  CHECK(rs_error("ruleset a{global{x = {a: 1}}}") == "Expected String|22");
  CHECK(rs_error("ruleset a{global{x = a => b}}") == "Expected `|`|27");
  CHECK(rs_error("ruleset a{global{x = f(1, 2}}") == "Expected `)`|27");
  CHECK(rs_error("ruleset a{global{x = f(") == "Expected `)`|22");

  // No error output requested: still no crash.
  CHECK_FALSE(parse_ruleset("ruleset", "x", nullptr));
  CHECK_FALSE(parse_expression("(", "x", nullptr));
}

TEST_CASE("parser: limits", "[parser]") {
  SECTION("deep parentheses") {
    std::string src(100000, '(');
    src += "1";
    ParseError err;
    CHECK_FALSE(parse_expression(src, "deep", &err));
    CHECK(err.message == "nesting too deep");
    CHECK(err.loc.offset == spime::krl::kMaxParseDepth);
  }
  SECTION("deep nesting of every kind") {
    for (const char* open :
         {"[", "{\"a\":", "f(", "-", "not ", "a => b | ", "<<#{", "function(){", "x{", "x["}) {
      std::string src;
      for (int i = 0; i < 5000; ++i) src += open;
      CHECK(E(src).rfind("ERR nesting too deep", 0) == 0);
    }
  }
  SECTION("long operator chains") {
    std::string src = "1";
    for (int i = 0; i < 100000; ++i) src += " + 1";
    CHECK(E(src).rfind("ERR nesting too deep", 0) == 0);
    std::string dots = "a";
    for (int i = 0; i < 100000; ++i) dots += ".b()";
    CHECK(E(dots).rfind("ERR nesting too deep", 0) == 0);
    std::string ok = "1";
    for (int i = 0; i < 100; ++i) ok += " + 1";
    CHECK(E(ok).rfind("ERR", 0) == std::string::npos);
  }
  SECTION("deep event expressions") {
    std::string src = "ruleset a{rule b{select when ";
    for (int i = 0; i < 10000; ++i) src += "(";
    CHECK(rs_error(src) == "nesting too deep|" + std::to_string(29 + spime::krl::kMaxParseDepth));
    std::string chain = "ruleset a{rule b{select when a b";
    for (int i = 0; i < 10000; ++i) chain += " or a b";
    chain += "}}";
    CHECK(rs_error(chain).rfind("nesting too deep|", 0) == 0);
  }
  SECTION("source too large") {
    std::string big(spime::krl::kMaxSourceBytes + 1, ' ');
    ParseError err;
    CHECK_FALSE(parse_ruleset(big, "big", &err));
    CHECK(err.message.rfind("source too large", 0) == 0);
  }
  SECTION("truncated sources never crash") {
    const std::string src =
        "ruleset a.b-c { meta { name \"n\" use module x.y alias z with a = 1 and b = <<#{c}>> }"
        " global { f = function(a, b = 2) { a{[\"k\"]}.klog(\"x\") => re#^x#gi | -b } }"
        " rule r is active { select when a b x re#(.*)# setting(x) or count 2 (c d) max(m)"
        " within 3 minutes foreach [1] setting(i) pre { p = 1 }"
        " if p then every { l => send_directive(\"d\", {\"a\": 1}) setting(r); }"
        " fired { ent:v{\"k\"} := 1; raise e event \"t\" attributes {}; last on final }"
        " else { schedule e event \"t\" at time:now() setting(s) } finally { clear ent:v } } }";
    for (std::size_t n = 0; n <= src.size(); ++n) {
      ParseError err;
      auto rs = parse_ruleset(src.substr(0, n), "cut", &err);
      if (n < src.size()) {
        CHECK_FALSE(rs);
        CHECK_FALSE(err.message.empty());
      } else {
        CHECK(rs);
      }
    }
  }
}

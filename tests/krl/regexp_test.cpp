// Regular expressions (regexp.h) and callables (callable.h).
#include <catch2/catch.hpp>

#include "engine/krl/callable.h"
#include "engine/krl/error.h"
#include "engine/krl/regexp.h"

using namespace spime::krl;

namespace {

std::string split_str(const RegExp& re, std::string_view text) {
  std::string s;
  for (const auto& p : regexp_split(re, text)) s += "<" + (p ? *p : std::string("undef")) + ">";
  return s;
}

std::string error_of(const std::string& src, const std::string& flags) {
  try {
    make_regexp(src, flags);
  } catch (const KrlError& e) {
    CHECK(e.kind() == "SyntaxError");
    return e.message();
  }
  return "no error";
}

Value echo_fn(EvalContext&, const BoundArgs& a) {
  Array out;
  for (int i = 0; i < a.size(); ++i) out.push_back(a[i]);
  return Value(std::move(out));
}

}  // namespace

TEST_CASE("make_regexp compiles with JS flags and semantics", "[values]") {
  auto re = make_regexp("^a.c$", "gi");
  CHECK(re->source == "^a.c$");
  CHECK(re->global);
  CHECK(re->ignore_case);
  CHECK(regexp_search(*re, "ABC", nullptr));
  CHECK_FALSE(regexp_search(*re, "x\nabc", nullptr));  // ^ only at the start
  CHECK_FALSE(regexp_search(*re, "abc\n", nullptr));   // $ only at the end
  CHECK_FALSE(regexp_search(*make_regexp("a.c"), "a\nc", nullptr));
  CHECK_FALSE(regexp_search(*make_regexp("a"), "A", nullptr));
  CHECK(error_of("(", "") == "Invalid regular expression: /(/: Unterminated group");
  CHECK(error_of("[a", "") == "Invalid regular expression: /[a/: Unterminated character class");
  CHECK(error_of("*", "") == "Invalid regular expression: /*/: Nothing to repeat");
  CHECK(error_of("a", "m") == "Invalid flags supplied to RegExp constructor 'm'");
  CHECK(error_of("a", "gg") == "Invalid flags supplied to RegExp constructor 'gg'");
}

TEST_CASE("regexp_search reports groups", "[values]") {
  std::vector<std::optional<std::string>> g;
  REQUIRE(regexp_search(*make_regexp("(\\d+)-(x)?(\\w+)"), "id 12-ab", &g));
  REQUIRE(g.size() == 4);
  CHECK(*g[0] == "12-ab");
  CHECK(*g[1] == "12");
  CHECK_FALSE(g[2].has_value());
  CHECK(*g[3] == "ab");
  RegexMatch m;
  REQUIRE(regexp_search_at(*make_regexp("\\bb"), "ab b", 1, &m));
  CHECK(m.position == 3);  // the b at 1 is not at a word boundary
  CHECK_FALSE(regexp_search_at(*make_regexp("a"), "a", 2, &m));
}

TEST_CASE("regexp_replace follows String.prototype.replace", "[values]") {
  CHECK(regexp_replace(*make_regexp("o"), "foo boo", "0") == "f0o boo");
  CHECK(regexp_replace(*make_regexp("o", "g"), "foo boo", "0") == "f00 b00");
  CHECK(regexp_replace(*make_regexp("(\\w+) (\\w+)"), "hello world", "$2 $1") == "world hello");
  CHECK(regexp_replace(*make_regexp("b"), "abc", "[$&|$`|$'|$$|$3|$0]") == "a[b|a|c|$|$3|$0]c");
  CHECK(regexp_replace(*make_regexp("(a)(b)?"), "ac", "<$1$2$12>") == "<aa2>c");
  CHECK(regexp_replace(*make_regexp("x*", "g"), "abc", "-") == "-a-b-c-");
  CHECK(regexp_replace_fn(*make_regexp("\\d", "g"), "a1b2", [](const RegexMatch& m) {
          return "<" + *m.groups[0] + ">";
        }) == "a<1>b<2>");
}

TEST_CASE("regexp_split follows String.prototype.split", "[values]") {
  CHECK(split_str(*make_regexp(","), "a,b,,c") == "<a><b><><c>");
  CHECK(split_str(*make_regexp("(,)"), "a,b") == "<a><,><b>");
  CHECK(split_str(*make_regexp("(-)|(\\+)"), "a-b") == "<a><-><undef><b>");
  CHECK(split_str(*make_regexp(""), "abc") == "<a><b><c>");
  CHECK(split_str(*make_regexp(""), "") == "");
  CHECK(split_str(*make_regexp(","), "") == "<>");
  CHECK(split_str(*make_regexp("\\s*"), "a b") == "<a><b>");
  CHECK(split_str(*make_regexp(","), ",a,") == "<><a><>");
}

TEST_CASE("catastrophic backtracking is an error, not a hang", "[values]") {
  auto re = make_regexp("(a+)+$");
  std::string text(40, 'a');
  text += 'b';
  CHECK_THROWS_AS(regexp_search(*re, text, nullptr), KrlError);
}

TEST_CASE("bind_args follows krlNamedArgs", "[values]") {
  std::vector<const char*> params{"val", "a", "b"};
  Args args;
  args.positional = {1, 2, 3, 4};
  BoundArgs b = bind_args(params, args);
  CHECK(b.size() == 3);
  CHECK(b[2].as_number() == 3);
  args.positional = {1};
  CHECK(bind_args(params, args).size() == 1);
  CHECK(bind_args(params, args)[2].is_null());
  args.named = {{"b", "B"}, {"zz", "ignored"}};
  b = bind_args(params, args);
  CHECK(b.size() == 3);
  CHECK(b[0].as_number() == 1);
  CHECK(b[1].is_null());
  CHECK_FALSE(b.has(1));
  CHECK(b[2].as_string() == "B");
  args.positional = {};
  args.named = {{"a", "A"}};
  b = bind_args(params, args);
  CHECK(b.size() == 2);
  CHECK(b[0].is_null());
}

TEST_CASE("builtin functions, modules and call_function", "[values]") {
  static const Module mod{"m", {{"echo", {"x", "y"}, echo_fn}}};
  REQUIRE(mod.find("echo") != nullptr);
  CHECK(mod.find("nope") == nullptr);
  Value f = make_builtin_function(mod.find("echo"));
  CHECK(f.type() == Type::Function);
  CHECK(f.as_function().name() == "echo");
  EvalContext ctx;
  Value r = call_function(ctx, f, {1, 2, 3});
  CHECK(encode_json(r) == "[1,2]");
  CHECK(ctx.depth == 0);
  try {
    call_function(ctx, Value(Map{}), {});
    FAIL("no error");
  } catch (const KrlError& e) {
    CHECK(e.kind() == "TypeError");
    CHECK(e.message() == "[Map] is not a function");
  }
  ctx.limits.max_call_depth = 0;
  CHECK_THROWS_WITH(call_function(ctx, f, {}), Catch::Contains("maximum call depth"));
  CHECK(ctx.depth == 0);
}

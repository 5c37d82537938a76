// String operators, ported from the reference's krl-stdlib test.ts ("string
// operators") plus UTF-8, limit and error cases of our own.
#include <catch2/catch.hpp>

#include "engine/krl/regexp.h"
#include "strmath_test_util.h"

using namespace spime::krl;
using namespace spime::krl::testutil;

namespace {

struct Lib {
  EvalContext ctx;
  Value operator()(const std::string& op, std::vector<Value> args) {
    return call_builtin(ctx, string_op(op), std::move(args));
  }
};

Value re(const char* source, const char* flags = "") {
  return Value(make_regexp(source, flags));
}

std::string s(const Value& v) {
  REQUIRE(v.is_string());
  return v.as_string();
}

Value strs(std::initializer_list<const char*> items) {
  Array a;
  for (const char* i : items) a.emplace_back(i);
  return Value(std::move(a));
}

// A KRL function value backed by a C++ lambda, for replace's callback.
class LambdaFunction final : public Function {
 public:
  explicit LambdaFunction(std::function<Value(const std::vector<Value>&)> fn)
      : Function(Kind::Function), fn_(std::move(fn)) {}
  std::string_view name() const override { return "lambda"; }
  Value call(EvalContext&, const Args& args) const override { return fn_(args.positional); }

 private:
  std::function<Value(const std::vector<Value>&)> fn_;
};

Value lambda(std::function<Value(const std::vector<Value>&)> fn) {
  return Value(std::shared_ptr<const Function>(std::make_shared<LambdaFunction>(std::move(fn))));
}

}  // namespace

TEST_CASE("capitalize, lc, uc", "[strings]") {
  Lib lib;
  CHECK(s(lib("capitalize", {"lower"})) == "Lower");
  CHECK(s(lib("capitalize", {""})) == "");
  CHECK(s(lib("capitalize", {" l"})) == " l");
  CHECK(s(lib("capitalize", {Value()})) == "Null");
  CHECK(s(lib("capitalize", {"élan"})) == "Élan");
  CHECK(s(lib("lc", {"UppER"})) == "upper");
  CHECK(s(lib("uc", {"loWer"})) == "LOWER");
  CHECK(s(lib("uc", {"straße"})) == "STRASSE");
  CHECK(s(lib("lc", {"ÀÉÎ Ω"})) == "àéî ω");
  CHECK(s(lib("uc", {Map{{"a", 1}}})) == "[MAP]");
  CHECK(s(lib("lc", {true})) == "true");
}

TEST_CASE("decode and encode", "[strings]") {
  Lib lib;
  CHECK(equal(lib("decode", {"[1,2,3]"}), Value(arr({1, 2, 3}))));
  const Value not_string(arr({1, 2, Value()}));
  CHECK(equal(lib("decode", {not_string}), not_string));  // not a string: returned as is
  CHECK(lib("decode", {}).is_null());
  CHECK(s(lib("decode", {"[1,2"})) == "[1,2");  // bad JSON: returned as is
  CHECK(s(lib("decode", {"[1 2]"})) == "[1 2]");
  CHECK(s(lib("decode", {"\"hi\""})) == "hi");
  CHECK(lib("decode", {" 12 "}).as_number() == 12);
  // deeper than the JSON nesting limit: not decoded
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  CHECK(s(lib("decode", {deep})) == deep);

  CHECK(s(lib("encode", {Map{{"blah", 1}}})) == "{\"blah\":1}");
  CHECK(s(lib("encode", {arr({1, 2})})) == "[1,2]");
  CHECK(s(lib("encode", {12})) == "12");
  CHECK(s(lib("encode", {"12"})) == "\"12\"");
  CHECK(s(lib("encode", {Value()})) == "null");
  CHECK(s(lib("encode", {})) == "null");
  CHECK(s(lib("encode", {re("a", "gi")})) == "\"re#a#gi\"");
  const Value ab(Map{{"a", 1}, {"b", 2}});
  CHECK(s(lib("encode", {ab, 0})) == "{\"a\":1,\"b\":2}");
  CHECK(s(lib("encode", {ab, 4})) == "{\n    \"a\": 1,\n    \"b\": 2\n}");
  CHECK(s(lib("encode", {ab, "2"})) == "{\n  \"a\": 1,\n  \"b\": 2\n}");
  CHECK(s(lib("encode", {ab, Value()})) == "{\"a\":1,\"b\":2}");
  CHECK(s(lib("encode", {ab, "x"})) == "{\"a\":1,\"b\":2}");
  CHECK(s(lib("encode", {arr({1}), 30})) == "[\n          1\n]");  // indent capped at 10
  CHECK(s(lib("encode", {arr({1}), -3})) == "[1]");
}

TEST_CASE("extract", "[strings]") {
  Lib lib;
  CHECK(equal(lib("extract", {"3 + 2 - 1"}), Value(Array{})));
  CHECK(equal(lib("extract", {"3 + 2 - 1", re("([0-9])", "g")}), strs({"3", "2", "1"})));
  CHECK(equal(lib("extract", {"no-match", re("([0-9])", "g")}), Value(Array{})));
  CHECK(equal(lib("extract", {"This is a string", re("(is)")}), strs({"is"})));
  CHECK(equal(lib("extract", {"This is a string", re("(s.+).*(.ing)")}),
              strs({"s is a st", "ring"})));
  CHECK(equal(lib("extract", {"This is a string", re("(boot)")}), Value(Array{})));
  CHECK(equal(lib("extract", {"I like cheese", re("like (\\w+)")}), strs({"cheese"})));
  CHECK(equal(lib("extract", {"I like cheese", re("(e)", "g")}), strs({"e", "e", "e", "e"})));
  CHECK(equal(lib("extract", {"I like cheese", "(ch.*)"}), strs({"cheese"})));
  CHECK(equal(lib("extract", {"what the null?", re("null")}), Value(Array{})));
  CHECK(equal(lib("extract", {"what the null?", Value()}), Value(Array{})));
  // an unmatched group is null
  CHECK(equal(lib("extract", {"ac", re("(a)(b)?(c)")}), Value(arr({"a", Value(), "c"}))));
  SECTION("a bad pattern is a SyntaxError") {
    try {
      lib("extract", {"x", "("});
      FAIL("no error");
    } catch (const KrlError& e) {
      CHECK(e.kind() == "SyntaxError");
    }
  }
}

TEST_CASE("match", "[strings]") {
  Lib lib;
  CHECK(lib("match", {"3 + 2 - 1", "([0-9])"}).as_bool());
  CHECK_FALSE(lib("match", {"no-match", re("([0-9])", "g")}).as_bool());
  CHECK_FALSE(lib("match", {"1", 1}).as_bool());
  CHECK(lib("match", {0, re("0")}).as_bool());
  CHECK(lib("match", {"$", re("$$$")}).as_bool());
  CHECK(lib("match", {"ABC", re("b", "i")}).as_bool());
  CHECK_FALSE(lib("match", {"a\nb", re("^b")}).as_bool());  // no multiline
}

TEST_CASE("ord", "[strings]") {
  Lib lib;
  CHECK(lib("ord", {""}).is_null());
  CHECK(lib("ord", {"a"}).as_number() == 97);
  CHECK(lib("ord", {"bill"}).as_number() == 98);
  CHECK(lib("ord", {"0"}).as_number() == 48);
  CHECK(lib("ord", {"é"}).as_number() == 233);
  CHECK(lib("ord", {"😀"}).as_number() == 0xD83D);   // first UTF-16 unit, as charCodeAt(0)
  CHECK(lib("ord", {Value()}).as_number() == 110);  // "null"
}

TEST_CASE("split", "[strings]") {
  Lib lib;
  CHECK(equal(lib("split", {"a;b;3;4;", re(";")}), strs({"a", "b", "3", "4", ""})));
  CHECK(equal(lib("split", {"a;b;3;4;", ""}), strs({"a", ";", "b", ";", "3", ";", "4", ";"})));
  CHECK(equal(lib("split", {"33a;b;3;4;", 3}), strs({"", "", "a;b;", ";4;"})));
  CHECK(equal(lib("split", {"a1b2c", re("(\\d)")}), strs({"a", "1", "b", "2", "c"})));
  CHECK(equal(lib("split", {"", ","}), strs({""})));
  CHECK(equal(lib("split", {"é😀", ""}), strs({"é", "😀"})));
  CHECK(equal(lib("split", {"a, b", ", "}), strs({"a", "b"})));
  CHECK(equal(lib("split", {Value(), "u"}), strs({"n", "ll"})));
  SECTION("the collection limit applies") {
    lib.ctx.limits.max_collection_size = 3;
    CHECK_THROWS_WITH(lib("split", {"abcd", ""}), Catch::Contains("max_collection_size"));
    CHECK_THROWS_WITH(lib("split", {"a,b,c,d", ","}), Catch::Contains("max_collection_size"));
    CHECK(equal(lib("split", {"a,b,c", ","}), strs({"a", "b", "c"})));
  }
}

TEST_CASE("substr", "[strings]") {
  Lib lib;
  const Value str("This is a string");
  CHECK(s(lib("substr", {str, 5})) == "is a string");
  CHECK(s(lib("substr", {str, 5, Value()})) == "is a string");
  CHECK(s(lib("substr", {str, 5, "4"})) == "is a");
  CHECK(s(lib("substr", {str, "5", -5})) == "is a s");
  CHECK(s(lib("substr", {str, "5", "-15"})) == "his ");
  CHECK(s(lib("substr", {str, 5, -18})) == "This ");
  CHECK(s(lib("substr", {str, 0, 25})) == "This is a string");
  CHECK(s(lib("substr", {str, 1, 25})) == "his is a string");
  CHECK(s(lib("substr", {str, 16, 0})) == "");
  CHECK(s(lib("substr", {str, 16, -1})) == "g");
  CHECK(s(lib("substr", {str, 25})) == "");
  CHECK(s(lib("substr", {arr({"Not a string", Value()})})) == "[Array]");
  CHECK(s(lib("substr", {Value(), "Not an index", 2})) == "null");
  CHECK(s(lib("substr", {str})) == "This is a string");
  CHECK(s(lib("substr", {str, 1.7, 2.9})) == "his");  // substring(1.7, 4.6)
  // UTF-16 indices, as JS
  CHECK(s(lib("substr", {"héllo", 1, 3})) == "éll");
  CHECK(s(lib("substr", {"a😀b", 1, 2})) == "😀");
}

TEST_CASE("trimLeading, trimTrailing, trim", "[strings]") {
  Lib lib;
  CHECK(s(lib("trimLeading", {" \n\t hi \n\t "})) == "hi \n\t ");
  CHECK(s(lib("trimTrailing", {" \n\t hi \n\t "})) == " \n\t hi");
  CHECK(s(lib("trim", {" \n\t hi \n\t "})) == "hi");
  CHECK(s(lib("trimLeading", {Map{}})) == "[Map]");
  CHECK(s(lib("trimTrailing", {Map{}})) == "[Map]");
  CHECK(s(lib("trim", {Map{}})) == "[Map]");
  CHECK(s(lib("trim", {"\u00a0\u3000 wide\u2028"})) == "wide");
  CHECK(s(lib("trim", {"   "})) == "");
}

TEST_CASE("startsWith, endsWith, contains", "[strings]") {
  Lib lib;
  CHECK(lib("startsWith", {"abcd", "ab"}).as_bool());
  CHECK_FALSE(lib("startsWith", {"abcd", "b"}).as_bool());
  CHECK(lib("startsWith", {"ab", "ab"}).as_bool());
  CHECK_FALSE(lib("startsWith", {"a", "ab"}).as_bool());
  CHECK(lib("endsWith", {"abcd", "cd"}).as_bool());
  CHECK_FALSE(lib("endsWith", {"abcd", "c"}).as_bool());
  CHECK(lib("endsWith", {"c", "c"}).as_bool());
  CHECK_FALSE(lib("endsWith", {"c", "bc"}).as_bool());
  CHECK(lib("contains", {"abcd", "c"}).as_bool());
  CHECK_FALSE(lib("contains", {"abcd", "dc"}).as_bool());
  CHECK(lib("contains", {"abcd", ""}).as_bool());
  CHECK(lib("contains", {12345, 34}).as_bool());
  CHECK(lib("startsWith", {Value(), "nu"}).as_bool());
}

TEST_CASE("replace", "[strings]") {
  Lib lib;
  CHECK(s(lib("replace", {"william W.", re("W", "i")})) == "illiam W.");
  CHECK(s(lib("replace", {"William W.", re("W", "g"), "B"})) == "Billiam B.");
  CHECK(s(lib("replace", {"Sa5m", 5, true})) == "Satruem");
  CHECK(s(lib("replace", {arr({false, Value()}), re("(?:)", "gi")})) == "[Array]");
  const Value a(arr({false, Value()}));
  CHECK(equal(lib("replace", {a}), a));                      // one argument: the value as it was
  CHECK(s(lib("replace", {"a.b.c", ".", "-"})) == "a-b.c");  // a string pattern is literal
  CHECK(s(lib("replace", {"abc", "b", "[$&$$]"})) == "a[b$]c");
  CHECK(s(lib("replace", {"abc", "b", "$`$'"})) == "aacc");
  CHECK(s(lib("replace", {"abc", "b", "$1"})) == "a$1c");
  CHECK(s(lib("replace", {"John Smith", re("(\\w+)\\s(\\w+)"), "$2, $1"})) == "Smith, John");

  SECTION("a function replacement") {
    auto twice = lambda([](const std::vector<Value>& args) {
      return Value(std::to_string(std::stoi(args.at(0).as_string()) * 2));
    });
    CHECK(s(lib("replace", {"start 1 then 2? 3-42 end", re("(\\d+)", "g"), twice})) ==
          "start 2 then 4? 6-84 end");

    bool called = false;
    auto check_args = lambda([&](const std::vector<Value>& args) {
      REQUIRE(args.size() == 4);
      CHECK(args[0].as_string() == args[1].as_string());
      const std::string whole = args[3].as_string();
      CHECK(whole == "1 2 3");
      CHECK(whole.substr(static_cast<size_t>(args[2].as_number()), 1) == args[1].as_string());
      called = true;
      return Value(std::to_string(std::stoi(args[0].as_string()) * 2));
    });
    CHECK(s(lib("replace", {"1 2 3", re("(\\d)", "g"), check_args})) == "2 4 6");
    CHECK(called);

    called = false;
    auto groups = lambda([&](const std::vector<Value>& args) {
      REQUIRE(args.size() == 6);
      CHECK(args[0].as_string() == "abc333???");
      CHECK(args[1].as_string() == "abc");
      CHECK(args[2].as_string() == "333");
      CHECK(args[3].as_string() == "???");
      CHECK(args[4].as_number() == 3);
      CHECK(args[5].as_string() == "000abc333???wat");
      called = true;
      return Value("[" + args[1].as_string() + " - " + args[2].as_string() + " : " +
                   args[3].as_string() + "]");
    });
    CHECK(s(lib("replace", {"000abc333???wat", re("([a-z]+)(\\d*)([^\\w]*)"), groups})) ==
          "000[abc - 333 : ???]wat");
    CHECK(called);

    // a string pattern is compiled as a regexp for a function replacement
    CHECK(s(lib("replace", {"a1b22", "\\d+", twice})) == "a2b22");
    // offsets count UTF-16 units
    Value offset;
    auto record = lambda([&](const std::vector<Value>& args) {
      offset = args.at(1);
      return Value("X");
    });
    CHECK(s(lib("replace", {"é😀z", "z", record})) == "é😀X");
    CHECK(offset.as_number() == 3);
    // an empty global match moves on instead of looping forever
    auto dash = lambda([](const std::vector<Value>&) { return Value("-"); });
    CHECK(s(lib("replace", {"ab", re("x*", "g"), dash})) == "-a-b-");
  }

  SECTION("the string limit applies") {
    lib.ctx.limits.max_string_bytes = 10;
    CHECK_THROWS_WITH(lib("replace", {"aaaa", re("a", "g"), "bbb"}),
                      Catch::Contains("max_string_bytes"));
  }
}

TEST_CASE("string operators bind named arguments", "[strings]") {
  EvalContext ctx;
  const Value r =
      call_builtin(ctx, string_op("substr"), {"This is a string"}, {{"len", 4}, {"start", 5}});
  CHECK(r.as_string() == "is a");
  const Value r2 =
      call_builtin(ctx, string_op("replace"), {"aXb"}, {{"replacement", "-"}, {"regex", "X"}});
  CHECK(r2.as_string() == "a-b");
}

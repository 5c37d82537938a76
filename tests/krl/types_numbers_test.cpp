// Type and number operators: krl-stdlib test.ts "type operators", "klog",
// "sprintf", "number operators", "defaultsTo", plus the bitwise operators.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "engine/krl/callable.h"
#include "engine/krl/error.h"
#include "engine/krl/regexp.h"
#include "engine/krl/stdlib/stdlib.h"
#include "tests/krl/value_test_util.h"

using namespace spime::krl;
using namespace spime::krl::stdlib;
using spime::krl::testutil::fn;
using spime::krl::testutil::re;

namespace {

struct Lib {
  EvalContext ctx;
  std::vector<std::pair<LogLevel, std::string>> logs;
  Lib() {
    ctx.log = [this](LogLevel l, const std::string& m) { logs.emplace_back(l, m); };
  }
  Value operator()(const char* op, std::vector<Value> args = {}) {
    const Builtin* b = find_operator(op);
    REQUIRE(b != nullptr);
    return b->fn(ctx, bind_args(b->params, args.data(), args.size()));
  }
  std::string error(const char* op, std::vector<Value> args) {
    try {
      (*this)(op, std::move(args));
    } catch (const KrlError& e) {
      return e.kind() + ": " + e.message();
    }
    return "no error";
  }
};

}  // namespace

TEST_CASE("as converts between types", "[values]") {
  Lib lib;
  CHECK(lib("as", {7}).as_number() == 7);
  CHECK(lib("as", {1, "String"}).as_string() == "1");
  CHECK(lib("as", {0.32, "String"}).as_string() == "0.32");
  CHECK(lib("as", {0, "String"}).as_string() == "0");
  CHECK(lib("as", {Value(), "String"}).as_string() == "null");
  CHECK(lib("as", {true, "String"}).as_string() == "true");
  CHECK(lib("as", {false, "String"}).as_string() == "false");
  CHECK(lib("as", {"str", "String"}).as_string() == "str");
  CHECK(lib("as", {re("^a.*b"), "String"}).as_string() == "re#^a.*b#");
  CHECK(lib("as", {re("^a.*b", "gi"), "String"}).as_string() == "re#^a.*b#gi");
  CHECK(lib("as", {Array{1, 2}, "String"}).as_string() == "[Array]");
  CHECK(lib("as", {Map{}, "String"}).as_string() == "[Map]");

  CHECK(lib("as", {"-1.23", "Number"}).as_number() == -1.23);
  CHECK(lib("as", {42, "Number"}).as_number() == 42);
  CHECK(lib("as", {true, "Number"}).as_number() == 1);
  CHECK(lib("as", {Value(), "Number"}).as_number() == 0);
  CHECK(lib("as", {"foo", "Number"}).is_null());
  CHECK(lib("as", {Map{{"a", "b"}, {"z", "y"}, {"c", "d"}}, "Number"}).as_number() == 3);
  CHECK(lib("as", {" +5  ", "Number"}).as_number() == 5);
  CHECK(lib("as", {"0xAF", "Number"}).as_number() == 175);
  CHECK(lib("as", {"0b02101", "Number"}).is_null());

  CHECK(lib("as", {"^a.*z$", "RegExp"}).as_regexp().source == "^a.*z$");
  CHECK(lib("as", {Value(), "RegExp"}).as_regexp().source == "null");
  CHECK(lib("as", {123, "RegExp"}).as_regexp().source == "123");
  CHECK(lib("as", {fn(), "RegExp"}).as_regexp().source == "\\[Function\\]");
  CHECK(lib("as", {"[Function]", "RegExp"}).as_regexp().source == "[Function]");
  Value r = re("^a.*z$");
  CHECK(lib("as", {r, "RegExp"}).regexp_ptr() == r.regexp_ptr());
  CHECK(lib.error("as", {"(", "RegExp"}) ==
        "SyntaxError: Invalid regular expression: /(/: Unterminated group");

  CHECK(lib("as", {"true", "Boolean"}).as_bool() == true);
  CHECK(lib("as", {"false", "Boolean"}).as_bool() == false);
  CHECK(lib("as", {0, "Boolean"}).as_bool() == false);
  CHECK(lib("as", {"", "Boolean"}).as_bool() == false);
  CHECK(lib("as", {Array{}, "Boolean"}).as_bool() == true);

  CHECK(lib("as", {255, "Hex"}).as_string() == "ff");
  CHECK(lib("as", {-0.5, "Hex"}).as_string() == "-0.8");
  CHECK(lib("as", {"0x1f", "Hex"}).as_string() == "0x1f");
  CHECK(lib("as", {Array{}, "Hex"}).is_null());

  CHECK(lib.error("as", {"0", "num"}) ==
        "TypeError: Cannot use the .as(\"num\") operator with 0 (type String)");
  CHECK(lib.error("as", {Map{}, re("boolean")}) ==
        "TypeError: Cannot use the .as(\"/boolean/\") operator with [Map] (type Map)");
}

TEST_CASE("isnull and typeof", "[values]") {
  Lib lib;
  CHECK(lib("isnull").as_bool());
  CHECK(lib("isnull", {Value()}).as_bool());
  CHECK(lib("isnull", {Value(std::nan(""))}).as_bool());
  CHECK_FALSE(lib("isnull", {false}).as_bool());
  CHECK_FALSE(lib("isnull", {0}).as_bool());
  CHECK_FALSE(lib("isnull", {""}).as_bool());
  CHECK_FALSE(lib("isnull", {Map{}}).as_bool());

  CHECK(lib("typeof", {""}).as_string() == "String");
  CHECK(lib("typeof", {"1"}).as_string() == "String");
  CHECK(lib("typeof", {"0x1F"}).as_string() == "Hex");  // the reference's quirk
  CHECK(lib("typeof", {0}).as_string() == "Number");
  CHECK(lib("typeof", {-0.01}).as_string() == "Number");
  CHECK(lib("typeof", {10e10}).as_string() == "Number");
  CHECK(lib("typeof", {true}).as_string() == "Boolean");
  CHECK(lib("typeof", {Value()}).as_string() == "Null");
  CHECK(lib("typeof", {re("a")}).as_string() == "RegExp");
  CHECK(lib("typeof", {Array{}}).as_string() == "Array");
  CHECK(lib("typeof", {Map{}}).as_string() == "Map");
  CHECK(lib("typeof", {fn()}).as_string() == "Function");
  CHECK(lib("typeof", {fn(Function::Kind::Action)}).as_string() == "Action");
  CHECK(lib("typeof", {fn(Function::Kind::ActionFunction)}).as_string() == "ActionFunction");
  CHECK(lib("typeof", {HUGE_VAL}).as_string() == "JSObject");
}

TEST_CASE("klog logs and returns its value", "[values]") {
  Lib lib;
  CHECK(lib("klog", {42}).as_number() == 42);
  REQUIRE(lib.logs.size() == 1);
  CHECK(lib.logs[0].first == LogLevel::Info);
  CHECK(lib.logs[0].second == "klog 42");
  CHECK(lib("klog", {Map{{"a", Array{1}}}, "msg:"}).is_map());
  CHECK(lib.logs[1].second == "msg: {\"a\":[1]}");
  lib.ctx.log = nullptr;  // no logger: still returns the value
  CHECK(lib("klog", {"x"}).as_string() == "x");
}

TEST_CASE("defaultsTo", "[values]") {
  Lib lib;
  CHECK(lib("defaultsTo", {Value(), 42}).as_number() == 42);
  CHECK(lib.logs.empty());
  CHECK(lib("defaultsTo", {Value(), Value(), "message 1"}).is_null());
  REQUIRE(lib.logs.size() == 1);
  CHECK(lib.logs[0].first == LogLevel::Debug);
  CHECK(lib.logs[0].second == "[DEFAULTSTO] message 1");
  CHECK(lib("defaultsTo", {Value(), 42, fn()}).as_number() == 42);
  CHECK(lib.logs[1].second == "[DEFAULTSTO] [Function]");
  CHECK(lib("defaultsTo", {1, 42, "not logged"}).as_number() == 1);
  CHECK(lib("defaultsTo", {Array{Value()}}).as_array().size() == 1);
  CHECK(lib("defaultsTo", {Value()}).is_null());
  CHECK(lib.logs.size() == 2);
}

TEST_CASE("sprintf", "[values]") {
  Lib lib;
  CHECK(lib("sprintf", {0.25}).as_string() == "");
  CHECK(lib("sprintf", {0.25, "That is %s"}).as_string() == "That is %s");
  CHECK(lib("sprintf", {0.25, "%d = %d"}).as_string() == "0.25 = 0.25");
  CHECK(lib("sprintf", {0.25, "\\%s%d\\\\n = .25%s"}).as_string() == "\\%s0.25\\n = .25%s");
  CHECK(lib("sprintf", {0.25, "%\\d%d\\\\\\%dd\\n"}).as_string() == "%\\d0.25\\%dd\\n");
  CHECK(lib("sprintf", {fn(), "One %s"}).as_string() == "One %s");
  CHECK(lib("sprintf", {"Bob"}).as_string() == "");
  CHECK(lib("sprintf", {"Bob", "Yo"}).as_string() == "Yo");
  CHECK(lib("sprintf", {"Bob", "%s is %s"}).as_string() == "Bob is Bob");
  CHECK(lib("sprintf", {"Bob", "\\%d%s\\\\n is Bob%d"}).as_string() == "\\%dBob\\n is Bob%d");
  CHECK(lib("sprintf", {"Bob", "%\\s%s\\\\\\%ss\\n"}).as_string() == "%\\sBob\\%ss\\n");
  CHECK(lib("sprintf", {Map{}, "Hey."}).as_string() == "Hey.");
  CHECK(lib("sprintf", {"x", "%s%s"}).as_string() == "x%s");  // as the reference's regexp
  lib.ctx.limits.max_string_bytes = 100;
  CHECK(lib.error("sprintf", {std::string(60, 'a'), "%s %s"}) ==
        "RangeError: sprintf result exceeds the limit of 100 bytes");
}

TEST_CASE("chr and range", "[values]") {
  Lib lib;
  CHECK(lib("chr", {74}).as_string() == "J");
  CHECK(lib("chr", {233}).as_string() == "\xC3\xA9");
  CHECK(lib("chr", {"no"}).is_null());
  auto json = [&](std::vector<Value> args) { return encode_json(lib("range", std::move(args))); };
  CHECK(json({0, 0}) == "[0]");
  CHECK(json({"0", 10}) == "[0,1,2,3,4,5,6,7,8,9,10]");
  CHECK(json({1, "-6"}) == "[1,0,-1,-2,-3,-4,-5,-6]");
  CHECK(json({"-1.5", "-3.5"}) == "[-1.5,-2.5,-3.5]");
  CHECK(json({-4}) == "[]");
  CHECK(json({-4, fn()}) == "[]");
  CHECK(json({Value(), 0}) == "[0]");
  CHECK(json({0, Array{1, 2, 3}}) == "[0,1,2,3]");
  CHECK(json({0.5, 2}) == "[0.5,1.5,2.5]");
  CHECK(lib.error("range", {0, 1e12}) ==
        "RangeError: range of 1000000000001 elements exceeds the limit of 1048576");
}

TEST_CASE("bitwise operators", "[values]") {
  Lib lib;
  CHECK(lib("band", {5, 3}).as_number() == 1);
  CHECK(lib("bor", {5, 3}).as_number() == 7);
  CHECK(lib("bxor", {5, 3}).as_number() == 6);
  CHECK(lib("bnot", {5}).as_number() == -6);
  CHECK(lib("bnot", {-3}).as_number() == 2);
  CHECK(lib("shiftLeft", {1, 31}).as_number() == -2147483648.0);
  CHECK(lib("shiftRight", {-16, 2}).as_number() == -4);
  CHECK(lib("shiftLeft", {1, 33}).as_number() == 2);
  CHECK(lib("band", {4294967297.0, 1}).as_number() == 1);
  CHECK(lib.error("band", {"x", 1}) == "TypeError: x cannot be bitwise anded 1");
  CHECK(lib.error("shiftRight", {1, "y"}) == "TypeError: 1 cannot be shifted by y");
  CHECK(lib.error("bnot", {"x"}) == "TypeError: x cannot be inverted ");
}

TEST_CASE("find_operator and find_module", "[values]") {
  CHECK(find_operator("as") != nullptr);
  CHECK(find_operator("sprintf") != nullptr);
  CHECK(find_operator("nope") == nullptr);
  CHECK(find_module("math") != nullptr);
  CHECK(find_module("time") != nullptr);
  CHECK(find_module("random") != nullptr);
  CHECK(find_module("event") == nullptr);
}

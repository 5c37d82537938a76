// Values, Map key order, number printing and the reference's coercions.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "engine/krl/error.h"
#include "engine/krl/value.h"

using namespace spime::krl;

namespace {

std::string keys_of(const Map& m) {
  std::string s;
  for (const auto& [k, v] : m) {
    if (!s.empty()) s += ",";
    s += k;
  }
  return s;
}

Value num_of(const Value& v) {
  double d;
  return to_number(v, &d) ? Value(d) : Value();
}

}  // namespace

TEST_CASE("Map keeps JavaScript key order", "[values]") {
  Map m;
  m.set("b", 1);
  m.set("a", 2);
  m.set("10", 3);
  m.set("2", 4);
  m.set("01", 5);  // not canonical: insertion order
  m.set("-1", 6);
  m.set("4294967295", 7);  // above the index range
  m.set("4294967294", 8);
  CHECK(keys_of(m) == "2,10,4294967294,b,a,01,-1,4294967295");
  // Replacing keeps the position.
  m.set("b", 9);
  CHECK(keys_of(m) == "2,10,4294967294,b,a,01,-1,4294967295");
  CHECK(m.find("b")->as_number() == 9);
  CHECK(m.erase("a"));
  CHECK_FALSE(m.erase("a"));
  CHECK(keys_of(m) == "2,10,4294967294,b,01,-1,4294967295");
  CHECK(m.find("zz") == nullptr);
}

TEST_CASE("Map lookups stay right past the hash index threshold", "[values]") {
  Map m;
  for (int i = 0; i < 200; ++i) {
    m.set("k" + std::to_string(i), i);
    REQUIRE(m.find("k" + std::to_string(i)) != nullptr);
  }
  for (int i = 199; i >= 0; i -= 3) m.set(std::to_string(i), -i);  // index keys go first
  REQUIRE(m.size() == 267);
  CHECK(m.entries().front().first == "1");
  for (int i = 0; i < 200; ++i) {
    REQUIRE(m.find("k" + std::to_string(i)) != nullptr);
    CHECK(m.find("k" + std::to_string(i))->as_number() == i);
  }
  CHECK(m.find("199")->as_number() == -199);
  CHECK(m.find("198") == nullptr);
  // A copy does not see later changes to the original.
  Map copy = m;
  m.set("new", 1);
  m.erase("k5");
  CHECK(copy.find("new") == nullptr);
  CHECK(copy.find("k5") != nullptr);
  CHECK(m.find("k5") == nullptr);
  CHECK(m.find("new") != nullptr);
}

TEST_CASE("Value types and NaN", "[values]") {
  CHECK(Value().type() == Type::Null);
  CHECK(Value(std::nan("")).is_null());
  CHECK(Value(true).type() == Type::Boolean);
  CHECK(Value(1.5).type() == Type::Number);
  CHECK(Value("s").type() == Type::String);
  CHECK(Value(Array{}).type() == Type::Array);
  CHECK(Value(Map{}).type() == Type::Map);
  CHECK(type_name(Type::ActionFunction) == "ActionFunction");
}

TEST_CASE("number_to_string prints as JavaScript", "[values]") {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    double n;
    const char* s;
  } cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1, "-1"},
      {3.0, "3"},
      {0.1, "0.1"},
      {0.1 + 0.2, "0.30000000000000004"},
      {2.4, "2.4"},
      {123456789, "123456789"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {123e18, "123000000000000000000"},
      {1.5e21, "1.5e+21"},
      {1e-6, "0.000001"},
      {1e-7, "1e-7"},
      {1.23e-7, "1.23e-7"},
      {0.000123, "0.000123"},
      {-1.5e-10, "-1.5e-10"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {9007199254740993.0, "9007199254740992"},
      {100, "100"},
      {1.0 / 3, "0.3333333333333333"},
      {-273.15, "-273.15"},
      {10e10, "100000000000"},
      {inf, "Infinity"},
      {-inf, "-Infinity"},
  };
  for (const auto& c : cases) {
    INFO(c.s);
    CHECK(number_to_string(c.n) == c.s);
  }
}

TEST_CASE("to_string follows the reference's toString", "[values]") {
  CHECK(to_string(Value()) == "null");
  CHECK(to_string(Value(true)) == "true");
  CHECK(to_string(Value(false)) == "false");
  CHECK(to_string(Value(0.32)) == "0.32");
  CHECK(to_string(Value("str")) == "str");
  CHECK(to_string(Value(Array{1, 2})) == "[Array]");
  CHECK(to_string(Value(Map{})) == "[Map]");
  auto re = std::make_shared<RegExp>();
  re->source = "^a.*b";
  re->global = true;
  re->ignore_case = true;
  CHECK(to_string(Value(std::shared_ptr<const RegExp>(re))) == "re#^a.*b#gi");
  // The reference's typeOf calls non-finite numbers "JSObject".
  CHECK(to_string(Value(std::numeric_limits<double>::infinity())) == "[JSObject]");
}

TEST_CASE("truthy", "[values]") {
  CHECK_FALSE(truthy(Value()));
  CHECK_FALSE(truthy(Value(false)));
  CHECK_FALSE(truthy(Value(0)));
  CHECK_FALSE(truthy(Value("")));
  CHECK(truthy(Value("0")));
  CHECK(truthy(Value(Array{})));
  CHECK(truthy(Value(Map{})));
  CHECK(truthy(Value(-1)));
}

TEST_CASE("equal is deep, order-insensitive on maps", "[values]") {
  CHECK(equal(Value(), Value()));
  CHECK_FALSE(equal(Value(), Value(0)));
  CHECK_FALSE(equal(Value(false), Value()));
  CHECK_FALSE(equal(Value(true), Value(1)));
  CHECK(equal(Value(Map{{"a", Array{"b"}}}), Value(Map{{"a", Array{"b"}}})));
  CHECK_FALSE(equal(Value(Map{{"a", Array{"b"}}}), Value(Map{{"a", Array{"c"}}})));
  CHECK(equal(Value(Map{{"a", 1}, {"b", 2}}), Value(Map{{"b", 2}, {"a", 1}})));
  CHECK_FALSE(equal(Value(Map{{"a", 1}}), Value(Map{{"a", 1}, {"b", 2}})));
  CHECK_FALSE(equal(Value(Array{}), Value(Map{})));
  CHECK(equal(Value(0.0), Value(-0.0)));
  CHECK_FALSE(equal(Value("aaa"), Value("bbb")));
  CHECK(equal(Value(Array{Value()}), Value(Array{Value(std::nan(""))})));
}

TEST_CASE("equal refuses absurdly deep values instead of overflowing", "[values]") {
  // Two separately built chains, so no shared pointer short-cuts the walk.
  Value a = Array{}, b = Array{};
  for (int i = 0; i < 2500; ++i) {
    a = Array{a};
    b = Array{b};
  }
  CHECK_THROWS_AS(equal(a, b), KrlError);
}

TEST_CASE("to_number as the reference's toNumberOrNull", "[values]") {
  auto n = [](const Value& v) { return num_of(v); };
  CHECK(n(Value()).as_number() == 0);
  CHECK(n(Value(true)).as_number() == 1);
  CHECK(n(Value(false)).as_number() == 0);
  CHECK(n(Value(42)).as_number() == 42);
  CHECK(n(Value("-1.23")).as_number() == -1.23);
  CHECK(n(Value("foo")).is_null());
  CHECK(n(Value(Map{})).as_number() == 0);
  CHECK(n(Value(Array{1, 2})).as_number() == 2);
  CHECK(n(Value("")).as_number() == 0);
  CHECK(n(Value("2018-03-07")).is_null());
  CHECK(n(Value("1,000")).is_null());
  CHECK(n(Value("1,000.25")).is_null());
  CHECK(n(Value("1000.25")).as_number() == 1000.25);
  CHECK(n(Value(" 123 ")).as_number() == 123);
  CHECK(n(Value(" 1 2 ")).is_null());
  CHECK(n(Value(" +5  ")).as_number() == 5);
  CHECK(n(Value(" + 5  ")).is_null());
  CHECK(n(Value("0xAF")).as_number() == 175);
  CHECK(n(Value(" 0x1f\n")).as_number() == 31);
  CHECK(n(Value("-0x1f")).is_null());
  CHECK(n(Value("0o72")).as_number() == 58);
  CHECK(n(Value("0b01101")).as_number() == 13);
  CHECK(n(Value("0b02101")).is_null());
  CHECK(n(Value(".5")).as_number() == 0.5);
  CHECK(n(Value("5.")).as_number() == 5);
  CHECK(n(Value("1e3")).as_number() == 1000);
  CHECK(n(Value("1e")).is_null());
  CHECK(n(Value(".")).is_null());
  CHECK(n(Value("12px")).is_null());
  CHECK(n(Value("Infinity")).is_null());  // not finite: null, as the reference
  CHECK(n(Value("1e400")).is_null());
  CHECK(n(Value("1e-400")).as_number() == 0);
  CHECK(n(Value("\xC2\xA0 7 \xEF\xBB\xBF")).as_number() == 7);
  CHECK(n(Value(std::numeric_limits<double>::infinity())).is_null());
}

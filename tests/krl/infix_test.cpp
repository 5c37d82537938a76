// Infix operators: the cases of krl-stdlib's test.ts "infix operators".
#include <catch2/catch.hpp>

#include "engine/krl/callable.h"
#include "engine/krl/error.h"
#include "engine/krl/regexp.h"
#include "engine/krl/stdlib/infix.h"
#include "tests/krl/value_test_util.h"

using namespace spime::krl;
using namespace spime::krl::stdlib;
using spime::krl::testutil::fn;
using spime::krl::testutil::re;

namespace {

template <typename F>
std::string type_error_of(F f) {
  try {
    f();
  } catch (const KrlError& e) {
    CHECK(e.kind() == "TypeError");
    return e.message();
  }
  return "no error";
}

}  // namespace

TEST_CASE("+ adds numbers and concatenates the rest", "[values]") {
  CHECK(op_add(1, 2).as_number() == 3);
  CHECK(op_add(2.3, 0.1).as_number() == Approx(2.4));
  CHECK(number_to_string(op_add(2.3, 0.1).as_number()) == "2.4");
  CHECK(op_add(1, Value()).as_string() == "1null");
  CHECK(op_add(Value(), 1).as_string() == "null1");
  CHECK(op_add(1, false).as_string() == "1false");
  CHECK(op_add(false, 1).as_string() == "false1");
  CHECK(op_add(fn(), "foo").as_string() == "[Function]foo");
  CHECK(op_add(1, true).as_string() == "1true");
  CHECK(op_add("wat", 100).as_string() == "wat100");
  CHECK(op_add(Map{}, Array{}).as_string() == "[Map][Array]");
}

TEST_CASE("arithmetic - * / % coerce to numbers or throw the reference's TypeError", "[values]") {
  CHECK(op_neg(2).as_number() == -2);
  CHECK(type_error_of([] { op_neg("zero"); }) == "Cannot negate zero");
  CHECK(op_neg(Array{0}).as_number() == -1);
  CHECK(op_neg(Map{}).as_number() == 0);
  CHECK(op_sub(1, 3).as_number() == -2);
  CHECK(op_sub("1", "  3").as_number() == -2);
  CHECK(op_sub(4, 1).as_number() == 3);
  CHECK(type_error_of([] { op_sub("two", 1); }) == "1 cannot be subtracted from two");
  CHECK(op_sub(Array{"a", "b", "c"}, 2).as_number() == 1);
  CHECK(op_sub(Map{{"a", 1}, {"b", 1}, {"c", 1}}, Array{1}).as_number() == 2);

  CHECK(op_mul(5, 2).as_number() == 10);
  CHECK(type_error_of([] { op_mul("two", 1); }) == "two cannot be multiplied by 1");
  CHECK(type_error_of([] { op_mul(1, fn()); }) == "1 cannot be multiplied by [Function]");

  CHECK(op_div(4, 2).as_number() == 2);
  CHECK(type_error_of([] { op_div("two", 1); }) == "two cannot be divided by 1");
  CHECK(op_div("2", 1).as_number() == 2);
  CHECK(type_error_of([] { op_div(1, fn()); }) == "1 cannot be divided by [Function]");
  CHECK(op_div(9, 0).as_number() == 0);

  CHECK(op_mod(4, 2).as_number() == 0);
  CHECK(op_mod("1", "0").as_number() == 0);
  CHECK(op_mod(-7, 3).as_number() == -1);  // JS sign rule
  CHECK(op_mod(5.5, 2).as_number() == 1.5);
  CHECK(type_error_of([] { op_mod(1, "two"); }) == "Cannot calculate 1 modulo two");
  CHECK(op_mod(Array{1, 2, 3, 4, 5}, Array{1, 2}).as_number() == 1);
  CHECK(type_error_of([] { op_mod(fn(), 1); }) == "Cannot calculate [Function] modulo 1");
}

TEST_CASE("== is deep equality", "[values]") {
  CHECK(op_eq(Value(), Value()));
  CHECK_FALSE(op_eq(Value(), 0));
  CHECK_FALSE(op_eq(0, Value()));
  CHECK_FALSE(op_eq(false, Value()));
  CHECK_FALSE(op_eq(true, 1));
  CHECK(op_eq(Map{{"a", Array{"b"}}}, Map{{"a", Array{"b"}}}));
  CHECK_FALSE(op_eq(Map{{"a", Array{"b"}}}, Map{{"a", Array{"c"}}}));
  CHECK_FALSE(op_eq("aaa", "bbb"));
  CHECK(op_eq(re("a", "g"), re("a", "g")));
  CHECK_FALSE(op_eq(re("a", "g"), re("a")));
  Value f = fn();
  CHECK(op_eq(f, f));
  CHECK_FALSE(op_eq(f, fn()));
}

TEST_CASE("<=> compares numbers, else strings", "[values]") {
  CHECK(op_spaceship("5", "10") == -1);
  CHECK(op_spaceship(5, "5") == 0);
  CHECK(op_spaceship("10", 5) == 1);
  CHECK(op_spaceship(Value(), Value()) == 0);
  CHECK(op_spaceship(Value(), 0) == 0);
  CHECK(op_spaceship(Value(), false) == 0);
  CHECK(op_spaceship(true, 1) == 0);
  CHECK(op_spaceship(true, false) == 1);
  CHECK(op_spaceship(Array{0, 1}, Array{1, 1}) == 0);
  CHECK(op_spaceship(20, 3) == 1);
  CHECK(op_spaceship("20", 3) == 1);
  CHECK(op_spaceship(20, "3") == 1);
  CHECK(op_spaceship("20", "3") == 1);
  CHECK(op_spaceship(".2", 0.02) == 1);
  CHECK(op_spaceship(Array{"a", "b"}, 2) == 0);
  CHECK(op_spaceship(Map{{" ", -0.5}}, 1) == 0);
  CHECK(op_spaceship(Array{1, 2, 3}, Map{{"a", "b"}, {"z", "y"}, {"c", "d"}}) == 0);
  CHECK(op_spaceship(fn(), "[Function]") == 0);
  CHECK(op_spaceship(fn(Function::Kind::Action), "[Action]") == 0);
  CHECK(op_spaceship(re("good"), "re#good#") == 0);
  CHECK(op_spaceship(1, "a") == -1);
  CHECK(op_spaceship(true, "to") == 1);

  CHECK(op_lt("3", "20"));
  CHECK_FALSE(op_gt("a", "b"));
  CHECK(op_gt("2018-03-07", "2018-03-05"));
  CHECK(op_gt("02", "1"));
  CHECK(op_le("a", "a"));
  CHECK(op_le("a", "b"));
  CHECK_FALSE(op_le("b", "a"));
  CHECK(op_ge("a", "a"));
  CHECK_FALSE(op_ge("a", "b"));
  CHECK(op_ge("b", "a"));
}

TEST_CASE(">< tests membership", "[values]") {
  Value obj = Map{{"colors", "many"},
                  {"pi", Array{3, 1, 4, 1, 5, 9, 3}},
                  {"foo", Map{{"bar", Map{{"10", "I like cheese"}}}}}};
  CHECK_FALSE(op_has(15, "colors"));
  CHECK_FALSE(op_has(obj, "many"));
  CHECK(op_has(obj, "pi"));
  CHECK_FALSE(op_has(obj, "bar"));
  CHECK(op_has(Array{5, 6, 7}, 6));
  CHECK_FALSE(op_has(Array{5, 6, 7}, 2));
  CHECK_FALSE(op_has(Array{}, Value()));
  CHECK_FALSE(op_has(Map{}, Value()));
  CHECK(op_has(Array{Value()}, Value()));
  CHECK_FALSE(op_has("abc", "b"));  // the reference: false unless array or map
  // lodash _.has paths.
  CHECK(op_has(obj, "foo.bar"));
  CHECK(op_has(obj, "foo.bar[10]"));
  CHECK_FALSE(op_has(obj, "foo.baz"));
  CHECK(op_has(obj, Array{"foo", "bar", 10}));
  CHECK(op_has(obj, "pi[6]"));
  CHECK_FALSE(op_has(obj, "pi[7]"));
  CHECK(op_has(Map{{"a.b", 1}}, "a.b"));
  CHECK(op_has(Map{{"null", 1}}, Value()));
  CHECK(op_has(Map{{"1", 1}}, 1));
}

TEST_CASE("like and cmp", "[values]") {
  CHECK(op_like("wat", re("a")));
  CHECK_FALSE(op_like("wat", re("b")));
  CHECK_FALSE(op_like("wat", "da"));
  CHECK(op_like("wat", "a.*?(a|t)"));
  CHECK(op_like("atruething", true));
  CHECK_THROWS_WITH(op_like("x", "("), "Invalid regular expression: /(/: Unterminated group");

  CHECK(op_cmp("aab", "abb") == -1);
  CHECK(op_cmp("aab", "aab") == 0);
  CHECK(op_cmp("abb", "aab") == 1);
  CHECK(op_cmp(Value(), Value()) == 0);
  CHECK(op_cmp("5", "10") == 1);
  CHECK(op_cmp(5, "5") == 0);
  CHECK(op_cmp("10", 5) == -1);
  CHECK(op_cmp(Map{{"", -0.5}}, Map{{" ", 0.5}}) == 0);
  CHECK(op_cmp(Array{}, Array{Array{""}}) == 0);
  CHECK(op_cmp(Value(), 0) == 1);
  CHECK(op_cmp(20, 3) == -1);
}

// The collection operators, ported from the reference's krl-stdlib tests
// ("collection operators") plus our own edge cases and limits.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/krl/callable.h"
#include "engine/krl/stdlib/stdlib.h"
#include "engine/krl/value.h"

using namespace spime::krl;

namespace {

// A KRL function backed by a C++ lambda, standing in for a closure.
class LambdaFunction : public Function {
 public:
  using Body = std::function<Value(const std::vector<Value>&)>;
  LambdaFunction(Body body, Kind kind) : Function(kind), body_(std::move(body)) {}
  std::string_view name() const override { return "lambda"; }
  Value call(EvalContext&, const Args& args) const override { return body_(args.positional); }

 private:
  Body body_;
};

Value fn(LambdaFunction::Body body, Function::Kind kind = Function::Kind::Function) {
  return Value(std::shared_ptr<const Function>(std::make_shared<LambdaFunction>(body, kind)));
}

const Value& arg(const std::vector<Value>& a, size_t i) {
  static const Value kNull;
  return i < a.size() ? a[i] : kNull;
}
double num(const std::vector<Value>& a, size_t i) {
  return arg(a, i).as_number();
}

// A function that must not be called.
Value dont_call() {
  return fn([](const std::vector<Value>&) -> Value { throw KrlError("called fnDontCall"); });
}

Value J(const char* json) {
  Value v;
  std::string err;
  if (!parse_json(json, &v, &err)) FAIL("bad test JSON: " << err);
  return v;
}

std::string E(const Value& v) {
  return encode_json(v);
}

EvalContext& ctx() {
  static EvalContext c;
  return c;
}

const Builtin& op(const char* name) {
  for (const Builtin& b : stdlib::collection_operators()) {
    if (std::string(b.name) == name) return b;
  }
  FAIL("no operator " << name);
  throw;
}

// Calls an operator with positional arguments, as the reference's callLib.
Value call(const char* name, std::vector<Value> args) {
  const Builtin& b = op(name);
  BoundArgs bound;
  for (size_t i = 0; i < args.size() && i < b.params.size(); ++i) bound.push(args[i]);
  return b.fn(ctx(), bound);
}

// "Kind: message" of the error an operator throws, or "" when it does not.
std::string err(const char* name, std::vector<Value> args) {
  try {
    call(name, std::move(args));
  } catch (const KrlError& e) {
    return e.kind() + ": " + e.message();
  }
  return "";
}

const char* kObjJson =
    R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"}}})";

// Built on use, not at static initialisation (parse_json has statics of its own).
Value A() {
  return J("[3,4,5]");
}
Value Obj() {
  return J(kObjJson);
}

Value lt(double n) {
  return fn([n](const std::vector<Value>& a) { return Value(num(a, 0) < n); });
}
Value gt(double n) {
  return fn([n](const std::vector<Value>& a) { return Value(num(a, 0) > n); });
}

}  // namespace

TEST_CASE("all, notall, any, none", "[collections]") {
  CHECK(call("all", {J("[]")}).as_bool());
  CHECK(call("all", {J("{}")}).as_bool());
  CHECK(call("all", {A(), lt(10)}).as_bool());
  CHECK_FALSE(call("all", {A(), gt(3)}).as_bool());
  CHECK_FALSE(call("all", {A(), gt(10)}).as_bool());
  CHECK(err("all", {Value()}) == "TypeError: only works on collections");

  CHECK_FALSE(call("notall", {J("[]")}).as_bool());
  CHECK_FALSE(call("notall", {A(), lt(10)}).as_bool());
  CHECK(call("notall", {A(), gt(3)}).as_bool());
  CHECK(err("notall", {Value()}) == "TypeError: only works on collections");

  CHECK_FALSE(call("any", {J("[]")}).as_bool());
  CHECK_FALSE(call("any", {J("{}")}).as_bool());
  CHECK(call("any", {A(), lt(10)}).as_bool());
  CHECK(call("any", {A(), gt(3)}).as_bool());
  CHECK_FALSE(call("any", {A(), gt(10)}).as_bool());
  CHECK(err("any", {Value()}) == "TypeError: only works on collections");

  CHECK(call("none", {J("[]")}).as_bool());
  CHECK_FALSE(call("none", {A(), lt(10)}).as_bool());
  CHECK(call("none", {A(), gt(10)}).as_bool());
  CHECK(err("none", {Value()}) == "TypeError: only works on collections");

  // Stops at the first decisive element; maps pass (value, key, map).
  int calls = 0;
  Value counting = fn([&](const std::vector<Value>& a) {
    ++calls;
    return Value(num(a, 0) > 3);
  });
  CHECK(call("any", {A(), counting}).as_bool());
  CHECK(calls == 2);
  std::string seen;
  call("all", {J(R"({"a":1,"b":2})"), fn([&](const std::vector<Value>& a) {
                 seen += to_string(a[1]) + "=" + to_string(a[0]) + ";" + E(a[2]) + " ";
                 return Value(true);
               })});
  CHECK(seen == R"(a=1;{"a":1,"b":2} b=2;{"a":1,"b":2} )");
  // A non-function iterator fails only once it is called.
  CHECK(err("all", {A(), Value(3)}).rfind("TypeError: ", 0) == 0);
  CHECK(E(A()) == "[3,4,5]");
}

TEST_CASE("append", "[collections]") {
  CHECK(E(call("append", {J(R"(["a","b"])"), J(R"(["c","a"])")})) == R"(["a","b","c","a"])");
  CHECK(E(call("append", {J(R"(["a","b"])"), 10, 11})) == R"(["a","b",10,11])");
  CHECK(E(call("append", {10, 11})) == "[10,11]");
  CHECK(E(call("append", {A(), J("[6]")})) == "[3,4,5,6]");
  CHECK(E(call("append", {A(), J("[[]]")})) == "[3,4,5,[]]");
  CHECK(E(call("append", {Value(), J("[]")})) == "[null]");
  CHECK(E(call("append", {Value()})) == "[null]");
  CHECK(E(call("append", {J("[]"), J("[]")})) == "[]");
  CHECK(E(call("append", {J("[]")})) == "[]");
  CHECK(E(call("append", {J("[]"), J("[[]]")})) == "[[]]");
  CHECK(E(call("append", {J(R"(["a"])"), "b"})) == R"(["a","b"])");
  CHECK(E(call("append", {J(R"([{"0":"a"},"b"])")})) == R"([{"0":"a"},"b"])");
  CHECK(E(call("append", {J(R"([["a"]])"), "b"})) == R"([["a"],"b"])");
  CHECK(E(call("append", {Value(), "b"})) == R"([null,"b"])");
  CHECK(E(call("append", {J("[]"), "b"})) == R"(["b"])");
  // At most five further arguments, as the reference's parameter list.
  CHECK(E(call("append", {1, 2, 3, 4, 5, 6, 7})) == "[1,2,3,4,5,6]");
  CHECK(E(A()) == "[3,4,5]");
}

TEST_CASE("collect", "[collections]") {
  Value by5 = fn([](const std::vector<Value>& a) { return Value(num(a, 0) < 5 ? "x" : "y"); });
  CHECK(E(call("collect", {J("[7,4,3,5,2,1,6]"), by5})) == R"({"y":[7,5,6],"x":[4,3,2,1]})");
  CHECK(err("collect", {Value(), by5}) == "TypeError: only works on collections");
  CHECK(E(call("collect", {J("[]"), dont_call()})) == "{}");
  CHECK(E(call("collect", {J("[1,2,2,3,3,3]")})) == R"({"1":[1],"2":[2,2],"3":[3,3,3]})");
  // Group keys are JS property keys: integer-like ones first, ascending.
  CHECK(E(call("collect", {J(R"(["b",10,"a",2,null,true])")})) ==
        R"({"2":[2],"10":[10],"b":["b"],"a":["a"],"null":[null],"true":[true]})");
  CHECK(E(call("collect", {J(R"({"a":1,"b":2})"), fn([](const std::vector<Value>& a) {
                             return Value(a[1].as_string() == "a" ? "first" : "other");
                           })})) == R"({"first":[1],"other":[2]})");
}

TEST_CASE("filter and map", "[collections]") {
  CHECK(E(call("filter", {A(), lt(5)})) == "[3,4]");
  CHECK(E(call("filter", {A(), gt(5)})) == "[]");
  CHECK(E(call("filter", {J(R"({"a":1,"b":2,"c":3})"), fn([](const std::vector<Value>& a) {
                            return Value(static_cast<long>(num(a, 0)) % 2 != 0);
                          })})) == R"({"a":1,"c":3})");
  CHECK(E(call("filter", {J(R"({"a":1,"b":2,"c":3})"), fn([](const std::vector<Value>& a) {
                            return Value(a[1].as_string() == "b");
                          })})) == R"({"b":2})");
  CHECK(E(call("filter", {J("[0,1,null,\"\",\"a\"]")})) == R"([1,"a"])");
  CHECK(err("filter", {"abc"}) == "TypeError: only works on collections");

  CHECK(
      E(call("map", {A(), fn([](const std::vector<Value>& a) { return Value(num(a, 0) + 2); })})) ==
      "[5,6,7]");
  CHECK(E(call("map", {J("[3,4,null]")})) == "[3,4,null]");
  CHECK(E(call("map", {J("[]"), dont_call()})) == "[]");
  CHECK(E(call("map", {J("{}"), dont_call()})) == "{}");
  CHECK(err("map", {Value()}) == "TypeError: only works on collections");
  CHECK(err("map", {"012"}) == "TypeError: only works on collections");
  CHECK(E(call("map", {J(R"({"a":1,"b":2,"c":3})"), fn([](const std::vector<Value>& a) {
                         return Value(to_string(a[0]) + a[1].as_string());
                       })})) == R"({"a":"1a","b":"2b","c":"3c"})");
  // Arrays pass (value, index, array).
  CHECK(E(call("map", {J(R"(["x","y"])"), fn([](const std::vector<Value>& a) {
                         return Value(Array{a[1], Value(a[2].as_array().size())});
                       })})) == "[[0,2],[1,2]]");
  CHECK(E(A()) == "[3,4,5]");
}

TEST_CASE("head, tail, index", "[collections]") {
  CHECK(call("head", {A()}).as_number() == 3);
  CHECK(call("head", {J("[null,{}]")}).is_null());
  CHECK(call("head", {"string"}).as_string() == "string");
  CHECK(E(call("head", {J(R"({"0":null})")})) == R"({"0":null})");
  CHECK(call("head", {J("[]")}).is_null());

  CHECK(E(call("tail", {A()})) == "[4,5]");
  CHECK(E(call("tail", {J(R"({"a":1,"b":2})")})) == "[]");
  CHECK(E(call("tail", {"string"})) == "[]");
  CHECK(E(call("tail", {J("[]")})) == "[]");

  CHECK(call("index", {A(), 5}).as_number() == 2);
  CHECK(call("index", {A(), 6}).as_number() == -1);
  CHECK(call("index", {J("[0,null]"), Value()}).as_number() == 1);
  CHECK(call("index", {J("[[[0],0],[0,[0]],[[0],0],[0,[0]]]"), J("[0,[0]]")}).as_number() == 1);
  CHECK(err("index", {J(R"({"a":1})")}) == "TypeError: only works on Arrays");
  CHECK(err("index", {"abc", "b"}) == "TypeError: only works on Arrays");
}

TEST_CASE("join, length, isEmpty", "[collections]") {
  CHECK(call("join", {A(), ";"}).as_string() == "3;4;5");
  CHECK(call("join", {A()}).as_string() == "3,4,5");
  CHECK(call("join", {Value()}).as_string() == "null");
  CHECK(call("join", {J(R"({"a":1})")}).as_string() == "[Map]");
  CHECK(call("join", {J(R"([null,true,[1],{"a":1},"s",1.5])"), "|"}).as_string() ==
        "null|true|[Array]|[Map]|s|1.5");
  CHECK(call("join", {J("[]")}).as_string() == "");

  CHECK(call("length", {A()}).as_number() == 3);
  CHECK(call("length", {J("[null,7]")}).as_number() == 2);
  CHECK(call("length", {J(R"({"a":1,"b":2})")}).as_number() == 2);
  CHECK(call("length", {"\""}).as_number() == 1);
  CHECK(call("length", {""}).as_number() == 0);
  CHECK(call("length", {Value()}).as_number() == 0);
  CHECK(call("length", {5}).as_number() == 0);
  CHECK(call("length", {dont_call()}).as_number() == 0);
  // Strings count symbols as lodash's _.size does.
  CHECK(call("length", {"h\xC3\xA9llo"}).as_number() == 5);       // é precomposed
  CHECK(call("length", {"e\xCC\x81"}).as_number() == 1);          // e + combining acute
  CHECK(call("length", {"\xF0\x9F\x98\x80!"}).as_number() == 2);  // emoji + !
  CHECK(call("length", {"\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8"}).as_number() == 1);  // flag
  // man + ZWJ + woman: one joined symbol.
  CHECK(call("length", {"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"}).as_number() == 1);

  CHECK(call("isEmpty", {Value()}).as_bool());
  CHECK(call("isEmpty", {0}).as_bool());
  CHECK(call("isEmpty", {1}).as_bool());
  CHECK(call("isEmpty", {true}).as_bool());
  CHECK(call("isEmpty", {J("[]")}).as_bool());
  CHECK_FALSE(call("isEmpty", {J("[1,2]")}).as_bool());
  CHECK(call("isEmpty", {J("{}")}).as_bool());
  CHECK_FALSE(call("isEmpty", {J(R"({"a":1})")}).as_bool());
  CHECK(call("isEmpty", {""}).as_bool());
  CHECK_FALSE(call("isEmpty", {" "}).as_bool());
  CHECK(call("isEmpty", {dont_call()}).as_bool());
}

TEST_CASE("pairwise", "[collections]") {
  Value add = fn([](const std::vector<Value>& a) { return Value(num(a, 0) + num(a, 1)); });
  CHECK(E(call("pairwise", {Value(Array{A(), J("[6,7,8]")}), add})) == "[9,11,13]");
  Value concat = fn([](const std::vector<Value>& a) {
    return Value(to_string(arg(a, 0)) + to_string(arg(a, 1)));
  });
  CHECK(E(call("pairwise", {Value(Array{A(), J(R"(["a","b","c","d","e","f"])")}), concat})) ==
        R"(["3a","4b","5c","nulld","nulle","nullf"])");
  CHECK(E(call("pairwise", {J("[[],[]]"), dont_call()})) == "[]");
  Value pair = fn([](const std::vector<Value>& a) { return Value(Array{arg(a, 0), arg(a, 1)}); });
  CHECK(E(call("pairwise", {J("[[],1]"), pair})) == "[[null,1]]");
  CHECK(err("pairwise", {J("{}")}) ==
        "TypeError: The .pairwise() operator cannot be called on [Map]");
  CHECK(err("pairwise", {J("[[]]")}) == "TypeError: The .pairwise() operator needs a longer array");
  CHECK(err("pairwise", {J("[[],[]]")}) ==
        "TypeError: The .pairwise() operator cannot use null as a function");
}

TEST_CASE("reduce", "[collections]") {
  Value add = fn([](const std::vector<Value>& a) { return Value(num(a, 0) + num(a, 1)); });
  Value sub = fn([](const std::vector<Value>& a) { return Value(num(a, 0) - num(a, 1)); });
  CHECK(call("reduce", {A(), add}).as_number() == 12);
  CHECK(call("reduce", {A(), add, 10}).as_number() == 22);
  CHECK(call("reduce", {A(), sub}).as_number() == -6);
  CHECK(call("reduce", {J("[]"), dont_call()}).as_number() == 0);
  CHECK(call("reduce", {J("[]"), dont_call(), 0}).as_number() == 0);
  CHECK(call("reduce", {J("[]"), dont_call(), "d"}).as_string() == "d");
  CHECK(call("reduce", {J("[]"), dont_call(), Value()}).is_null());
  CHECK(err("reduce", {42}) == "TypeError: only works on Arrays");
  // One element without a default: returned without calling.
  CHECK(call("reduce", {J("[7]"), dont_call()}).as_number() == 7);
  CHECK(call("reduce", {J("[7]"), add, 1}).as_number() == 8);
  CHECK(err("reduce", {J("[1,2]"), "nope"}) ==
        "Error: The .reduce() operator cannot use nope as a function");
  CHECK(err("reduce", {J("[1]"), Value()}) ==
        "Error: The .reduce() operator cannot use null as a function");
  // Arguments: (acc, value, index, array).
  std::string seen;
  call("reduce", {J("[1,2]"), fn([&](const std::vector<Value>& a) {
                    seen += E(Value(Array(a.begin(), a.end()))) + " ";
                    return a[0];
                  }),
                  "s"});
  CHECK(seen == R"(["s",1,0,[1,2]] ["s",2,1,[1,2]] )");
}

TEST_CASE("reverse, slice, splice", "[collections]") {
  CHECK(E(call("reverse", {A()})) == "[5,4,3]");
  CHECK(err("reverse", {42}) == "TypeError: only works on Arrays");
  CHECK(err("reverse", {"abc"}) == "TypeError: only works on Arrays");
  CHECK(E(A()) == "[3,4,5]");

  const Value veggies = J(R"(["corn","tomato","tomato","tomato","sprouts","lettuce","sprouts"])");
  CHECK(E(call("slice", {veggies, 1, 4})) == R"(["tomato","tomato","tomato","sprouts"])");
  CHECK(E(call("slice", {veggies, 2, 0})) == R"(["corn","tomato","tomato"])");
  CHECK(E(call("slice", {veggies, 2})) == R"(["corn","tomato","tomato"])");
  CHECK(E(call("slice", {veggies, 0, 0})) == R"(["corn"])");
  CHECK(E(call("slice", {veggies, Value(), Value()})) == R"(["corn"])");
  CHECK(E(call("slice", {J("[]"), 0, 0})) == "[]");
  CHECK(err("slice", {J(R"({"0":"0"})"), 0, 0}) == "TypeError: only works on Arrays");
  CHECK(err("slice", {veggies, dont_call()}) ==
        "TypeError: The .slice() operator cannot use [Function] as an index");
  CHECK(err("slice", {veggies, 1, dont_call()}) ==
        "TypeError: The .slice() operator cannot use [Function] as the other index");
  CHECK(E(call("slice", {veggies, 14})) == "[]");
  CHECK(E(call("slice", {veggies, 2, -1})) == "[]");
  CHECK(E(call("slice", {veggies})) == E(veggies));
  CHECK(E(call("slice", {veggies, "1"})) == R"(["corn","tomato"])");
  // One negative index counts from the end (lodash slice): all but the last 2.
  CHECK(E(call("slice", {J("[1,2,3,4,5]"), -3})) == "[1,2,3]");

  CHECK(E(call("splice", {veggies, 1, 4})) == R"(["corn","lettuce","sprouts"])");
  CHECK(E(call("splice", {veggies, 2, 0, J(R"(["corn","tomato"])")})) ==
        R"(["corn","tomato","corn","tomato","tomato","tomato","sprouts","lettuce","sprouts"])");
  CHECK(E(call("splice", {veggies, 2, 0, "liver"})) ==
        R"(["corn","tomato","liver","tomato","tomato","sprouts","lettuce","sprouts"])");
  CHECK(E(call("splice", {veggies, 2, 2, "liver"})) ==
        R"(["corn","tomato","liver","sprouts","lettuce","sprouts"])");
  CHECK(E(call("splice", {veggies, 1, 10})) == R"(["corn"])");
  CHECK(E(call("splice", {veggies, 1, 10, "liver"})) == R"(["corn","liver"])");
  CHECK(E(call("splice", {veggies, 1, 10, J("[]")})) == R"(["corn"])");
  CHECK(E(call("splice", {veggies, 1, 10, Value()})) == R"(["corn",null])");
  CHECK(E(call("splice", {J("[]"), 0, 1})) == "[]");
  CHECK(E(call("splice", {J("[]"), Value()})) == "[]");
  CHECK(err("splice", {}) == "TypeError: only works on Arrays");
  CHECK(err("splice", {veggies, dont_call(), 1}) ==
        "TypeError: The .splice() operator cannot use [Function]as an index");
  CHECK(err("splice", {veggies, 1, "x"}) ==
        "TypeError: The .splice() operator cannot use xas a number of elements");
  CHECK(E(call("splice", {veggies, 0, 0})) == E(veggies));
  CHECK(E(call("splice", {veggies, 0, 7})) == "[]");
  CHECK(E(call("splice", {veggies, 0, 999})) == "[]");
  CHECK(E(call("splice", {veggies, 0, -1})) == "[]");
  CHECK(E(call("splice", {veggies, 0, -999})) == "[]");
  CHECK(E(call("splice", {veggies, -1, 0})) == E(veggies));
  CHECK(E(call("splice", {veggies, -999, 0})) == E(veggies));
  CHECK(E(call("splice", {veggies, 1})) == E(veggies));  // count missing reads as 0
  CHECK(E(veggies) == R"(["corn","tomato","tomato","tomato","sprouts","lettuce","sprouts"])");
}

TEST_CASE("delete, keys, values, get", "[collections]") {
  CHECK(E(call("delete", {Obj(), J(R"(["foo","bar",10])")})) ==
        R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{}}})");
  CHECK(E(call("delete", {J(R"({"0":null})"), "1"})) == R"({"0":null})");
  CHECK(E(call("delete", {Obj(), "colors"})) ==
        R"({"pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"}}})");
  CHECK(E(call("delete", {Obj(), J(R"(["nope","x"])")})) == kObjJson);
  // An array element becomes a hole (null), as JS delete leaves it.
  CHECK(E(call("delete", {Obj(), J(R"(["pi",1])")})) ==
        R"({"colors":"many","pi":[3,null,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"}}})");
  CHECK(E(call("delete", {J(R"({"undefined":1,"a":2})"), J("[]")})) == R"({"a":2})");
  CHECK(call("delete", {5, "a"}).as_number() == 5);
  CHECK(E(Obj()) == kObjJson);

  CHECK(E(call("keys", {Obj()})) == R"(["colors","pi","foo"])");
  CHECK(E(call("keys", {Obj(), J(R"(["foo","bar"])")})) == R"(["10"])");
  CHECK(E(call("keys", {Obj(), J(R"(["pi"])")})) == R"(["0","1","2","3","4","5","6"])");
  CHECK(E(call("keys", {Obj(), J(R"(["foo","not"])")})) == "[]");
  CHECK(E(call("keys", {J(R"(["wat",{"da":"heck"}])")})) == R"(["0","1"])");
  CHECK(E(call("keys", {Value()})) == "[]");
  CHECK(E(call("keys", {dont_call()})) == "[]");
  CHECK(E(call("keys", {J(R"({"a":"b"})"), "not-found"})) == "[]");

  CHECK(E(call("values", {Obj()})) == R"(["many",[3,1,4,1,5,9,3],{"bar":{"10":"I like cheese"}}])");
  CHECK(E(call("values", {Obj(), J(R"(["foo","bar"])")})) == R"(["I like cheese"])");
  CHECK(E(call("values", {Obj(), J(R"(["pi"])")})) == "[3,1,4,1,5,9,3]");
  CHECK(E(call("values", {Obj(), J(R"(["foo","not"])")})) == "[]");
  CHECK(E(call("values", {J(R"(["an","array"])")})) == R"(["an","array"])");
  CHECK(E(call("values", {Value()})) == "[]");

  CHECK(call("get", {Obj(), J(R"(["foo","bar","10"])")}).as_string() == "I like cheese");
  CHECK(call("get", {Obj(), "colors"}).as_string() == "many");
  CHECK(call("get", {Obj(), J(R"(["pi",2])")}).as_number() == 4);
  CHECK(call("get", {J(R"(["a","b",{"c":["d","e"]}])"), J(R"([2,"c",1])")}).as_string() == "e");
  CHECK(call("get", {J(R"(["a","b",{"c":["d","e"]}])"), J(R"(["2","c","1"])")}).as_string() == "e");
  CHECK(call("get", {Obj(), J(R"(["pi","01"])")}).is_null());
  CHECK(call("get", {Obj(), J(R"(["colors","x"])")}).is_null());
  CHECK(call("get", {Obj(), J("[]")}).is_null());
  CHECK(call("get", {"str", "0"}).is_null());
}

TEST_CASE("set", "[collections]") {
  CHECK(
      E(call("set", {Obj(), J(R"(["foo","baz"])"), "qux"})) ==
      R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"},"baz":"qux"}})");
  CHECK(E(call("set", {Obj(), "flop", 12})) ==
        R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"}},"flop":12})");
  CHECK(E(call("set", {Obj(), "colors", J(R"(["R","G","B"])")})) ==
        R"({"colors":["R","G","B"],"pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"}}})");
  CHECK(E(call("set", {Obj(), J(R"(["foo","bar","10"])"), "modified a sub object"})) ==
        R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"modified a sub object"}}})");
  CHECK(
      E(call("set", {Obj(), J(R"(["pi",4,"a"])"), "wat?"})) ==
      R"({"colors":"many","pi":[3,1,4,1,{"a":"wat?"},9,3],"foo":{"bar":{"10":"I like cheese"}}})");
  CHECK(E(call("set", {J(R"(["a","b","c"])"), J("[1]"), "wat?"})) == R"(["a","wat?","c"])");
  CHECK(E(call("set", {J(R"(["a","b","c"])"), J(R"(["1"])"), "wat?"})) == R"(["a","wat?","c"])");
  CHECK(E(call("set", {J(R"([{"a":[{"b":1}]}])"), J(R"([0,"a",0,"b"])"), "wat?"})) ==
        R"([{"a":[{"b":"wat?"}]}])");
  // Missing steps become arrays when the next key is an index (lodash _.set).
  CHECK(E(call("set", {J("{}"), J(R"(["a","0","b"])"), 1})) == R"({"a":[{"b":1}]})");
  CHECK(E(call("set", {Value(), "a", 1})) == R"({"a":1})");
  CHECK(E(call("set", {J("[1]"), "2", 3})) == "[1,null,3]");
  CHECK(E(call("set", {J("[1]"), "x", 3})) == "[1]");
  CHECK(E(call("set", {J("{}"), J(R"(["a","constructor","b"])"), 1})) == R"({"a":{}})");
  CHECK(E(call("set", {J(R"({"a":1})"), J("[]"), 2})) == R"({"a":1})");
  CHECK(E(Obj()) == kObjJson);
}

TEST_CASE("put", "[collections]") {
  CHECK(E(call("put", {J(R"({"key":5})"), J(R"({"foo":"bar"})")})) == R"({"key":5,"foo":"bar"})");
  CHECK(E(call("put", {J(R"({"key":5})"), J("[]"), J(R"({"foo":"bar"})")})) ==
        R"({"key":5,"foo":"bar"})");
  CHECK(E(call("put", {J(R"({"key":5})"), J(R"(["baz"])"), J(R"({"foo":"bar"})")})) ==
        R"({"key":5,"baz":{"foo":"bar"}})");
  CHECK(E(call("put", {J(R"({"key":5})"), J(R"(["qux"])"), "wat?"})) ==
        R"({"key":5,"qux":"wat?"})");
  CHECK(E(call("put", {J(R"({"key":5})"), J("[null]"), "wat?"})) == R"({"key":5,"null":"wat?"})");
  CHECK(E(call("put", {J(R"({"key":5})"), Value(Array{dont_call()}), "wat?"})) ==
        R"({"key":5,"[Function]":"wat?"})");
  CHECK(E(call("put", {Obj(), J(R"(["foo"])"), J(R"({"baz":"qux"})")})) ==
        R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"baz":"qux"}})");
  CHECK(
      E(call("put", {Obj(), J(R"(["foo","bar",11])"), "wat?"})) ==
      R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese","11":"wat?"}}})");
  CHECK(E(call("put", {Obj(), J(R"(["foo","bar",10])"), "no cheese"})) ==
        R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"no cheese"}}})");
  CHECK(E(call("put", {Obj(), J(R"({"flop":12})")})) ==
        R"({"colors":"many","pi":[3,1,4,1,5,9,3],"foo":{"bar":{"10":"I like cheese"}},"flop":12})");
  CHECK(E(call("put", {J("{}"), J(R"(["key1"])"), "value2"})) == R"({"key1":"value2"})");
  CHECK(E(call("put", {J("{}"), J("[]"), J(R"({"key2":"value3"})")})) == R"({"key2":"value3"})");
  CHECK(E(call("put", {J(R"({"key":5})"), "foo", J(R"({"key2":"value3"})")})) ==
        R"({"key":5,"foo":{"key2":"value3"}})");
  CHECK(E(call("put", {J(R"({"key":5})"), "key", 7})) == R"({"key":7})");
  CHECK(E(call("put", {J(R"({"key":5})"), J(R"(["key"])"), 9})) == R"({"key":9})");
  CHECK(call("put", {5, J(R"(["key"])"), 9}).as_number() == 5);
  CHECK(call("put", {"wat", J(R"(["key"])"), 9}).as_string() == "wat");
  CHECK(call("put", {Value(), J(R"(["key"])"), 9}).is_null());
  CHECK(E(call("put", {J(R"({"a":null,"b":null})")})) == R"({"a":null,"b":null})");

  CHECK(E(call("put", {J("{}"), J(R"(["0","0"])"), "foo"})) == R"({"0":{"0":"foo"}})");
  CHECK(E(call("put", {J("{}"), J("[0,1]"), "foo"})) == R"({"0":{"1":"foo"}})");
  CHECK(E(call("put", {J("[]"), J("[0,0]"), "foo"})) == R"([{"0":"foo"}])");
  CHECK(E(call("put", {J(R"([["wat?"]])"), J("[0,0]"), "foo"})) == R"([["foo"]])");
  CHECK(E(call("put", {J("{}"), J(R"(["a","b"])"), J("[]")})) == R"({"a":{"b":[]}})");
  CHECK(E(call("put", {J("[]"), J("[0]"), J(R"(["foo"])")})) == R"([["foo"]])");
  CHECK(E(call("put", {J("[]"), J("[]"), J(R"(["foo"])")})) == R"(["foo"])");
  CHECK(E(call("put", {J("{}"), "foo", J("[0]")})) == R"({"foo":[0]})");
  CHECK(E(call("put", {J(R"([{"foo":1},{"bar":2}])"), J(R"([1,"bar","baz"])"), 4})) ==
        R"([{"foo":1},{"bar":{"baz":4}}])");
  CHECK(E(call("put", {J(R"({"one":[2,3]})"), J(R"(["one",1])"), 4})) == R"({"one":[2,4]})");
  CHECK(E(call("put", {J(R"({"one":[2,3]})"), J(R"(["one","1"])"), 4})) == R"({"one":[2,4]})");
  CHECK(E(call("put", {J(R"({"one":[2,3]})"), J(R"(["one","2"])"), 4})) == R"({"one":[2,3,4]})");
  CHECK(E(call("put", {J(R"({"one":[2,3]})"), J(R"(["one","3"])"), 4})) ==
        R"({"one":{"0":2,"1":3,"3":4}})");
  CHECK(E(call("put", {J(R"({"one":[2,3]})"), J(R"(["one","foo"])"), 4})) ==
        R"({"one":{"0":2,"1":3,"foo":4}})");
  CHECK(E(call("put", {J(R"({"one":[2,3]})"), J(R"(["one","foo","0"])"), 4})) ==
        R"({"one":{"0":2,"1":3,"foo":{"0":4}}})");
  // Whole-value put overlays arrays index by index.
  CHECK(E(call("put", {J("[1,2,3]"), J(R"(["a"])")})) == R"(["a",2,3])");
  CHECK(E(call("put", {J("[1,2,3]"), "x"})) == R"("x")");
  CHECK(E(Obj()) == kObjJson);
}

TEST_CASE("set operators: intersection, union, difference, has", "[collections]") {
  CHECK(E(call("intersection", {J(R"([[2],2,1,null])"), J(R"([[2],"1",2,null])")})) ==
        "[[2],2,null]");
  CHECK(E(call("intersection", {J("[[0],{}]"), J("[[1],[]]")})) == "[]");
  CHECK(E(call("intersection", {J("[]")})) == "[]");
  CHECK(E(call("intersection", {J("[{}]")})) == "[]");
  CHECK(E(call("intersection", {J("{}"), J("[{}]")})) == "[{}]");
  CHECK(E(call("intersection", {J("[1,1,2]"), J("[1]")})) == "[1]");

  CHECK(E(call("union", {J("[2]"), J("[1,2]")})) == "[2,1]");
  CHECK(E(call("union", {J("[1,2]"), J("[1,4]")})) == "[1,2,4]");
  CHECK(E(call("union", {J(R"([{"x":2}])"), J(R"([{"x":1}])")})) == R"([{"x":2},{"x":1}])");
  CHECK(E(call("union", {J("[]")})) == "[]");
  CHECK(E(call("union", {J("[]"), J(R"({"x":1})")})) == R"([{"x":1}])");
  CHECK(E(call("union", {J(R"({"x":1})"), J("[]")})) == R"([{"x":1}])");
  CHECK(E(call("union", {J(R"({"x":1})")})) == R"({"x":1})");
  CHECK(E(call("union", {J("[1,1]"), J("[2]")})) == "[1,2]");

  CHECK(E(call("difference", {J("[2,1]"), J("[2,3]")})) == "[1]");
  CHECK(E(call("difference", {J("[2,1]"), 2})) == "[1]");
  CHECK(E(call("difference", {J(R"([{"x":2},{"x":1}])"), J(R"([{"x":2},{"x":3}])")})) ==
        R"([{"x":1}])");
  CHECK(E(call("difference", {J(R"({"x":null})"), J("[]")})) == R"([{"x":null}])");
  CHECK(E(call("difference", {J(R"({"x":null})")})) == R"({"x":null})");
  // Maps compare regardless of key order.
  CHECK(E(call("difference", {J(R"([{"a":1,"b":2}])"), J(R"([{"b":2,"a":1}])")})) == "[]");

  CHECK(call("has", {J("[1,2,3,4]"), J("[4,2]")}).as_bool());
  CHECK_FALSE(call("has", {J("[1,2,3,4]"), J("[4,5]")}).as_bool());
  CHECK(call("has", {J("[[null,[1]]]"), J("[[null,[1]]]")}).as_bool());
  CHECK(call("has", {J("[]"), J("[]")}).as_bool());
  CHECK_FALSE(call("has", {J("[]"), Value()}).as_bool());
  CHECK_FALSE(call("has", {J("[]")}).as_bool());
  CHECK(call("has", {5, 5}).as_bool());
}

TEST_CASE("once, duplicates, unique", "[collections]") {
  CHECK(E(call("once", {J("[1,2,1,3,4,4]")})) == "[2,3]");
  CHECK(E(call("once", {J(R"({"a":null})")})) == R"({"a":null})");
  CHECK(E(call("once", {J(R"([1,null,"a"])")})) == R"([1,null,"a"])");
  // Grouped by JS string: 1 and "1" collide; integer-like keys come first.
  CHECK(E(call("once", {J(R"([1,"1","b",3,2])")})) == R"([2,3,"b"])");

  CHECK(E(call("duplicates", {J("[1,2,1,3,4,4]")})) == "[1,4]");
  CHECK(E(call("duplicates", {J(R"({"0":1,"1":1})")})) == "[]");
  CHECK(E(call("duplicates", {J("[1,3,null,null,null,3]")})) == "[3,null]");

  CHECK(E(call("unique", {J("[1,2,1,[3],[4],[4]]")})) == "[1,2,[3],[4]]");
  CHECK(E(call("unique", {J(R"({"0":1,"1":1})")})) == R"({"0":1,"1":1})");
  CHECK(E(call("unique", {J(R"([{"a":1,"b":2},{"b":2,"a":1},"1",1])")})) ==
        R"([{"a":1,"b":2},"1",1])");
}

TEST_CASE("sort", "[collections]") {
  const Value to_sort = J("[5,3,4,1,12]");
  CHECK(call("sort", {Value(), "numeric"}).is_null());
  CHECK(E(call("sort", {to_sort})) == "[1,12,3,4,5]");
  CHECK(E(call("sort", {to_sort, fn([](const std::vector<Value>&) { return Value(); },
                                    Function::Kind::Action)})) == "[1,12,3,4,5]");
  CHECK(E(call("sort", {to_sort, "default"})) == "[1,12,3,4,5]");
  CHECK(E(call("sort", {to_sort, "reverse"})) == "[5,4,3,12,1]");
  CHECK(E(call("sort", {to_sort, "numeric"})) == "[1,3,4,5,12]");
  CHECK(E(call("sort", {to_sort, "ciremun"})) == "[12,5,4,3,1]");
  CHECK(E(call("sort", {to_sort, "unknown"})) == "[1,12,3,4,5]");

  Value asc = fn([](const std::vector<Value>& a) {
    return Value(num(a, 0) < num(a, 1) ? -1 : num(a, 0) == num(a, 1) ? 0 : 1);
  });
  Value desc = fn([](const std::vector<Value>& a) {
    return Value(num(a, 0) > num(a, 1) ? -1 : num(a, 0) == num(a, 1) ? 0 : 1);
  });
  CHECK(E(call("sort", {to_sort, asc})) == "[1,3,4,5,12]");
  CHECK(E(call("sort", {to_sort, desc})) == "[12,5,4,3,1]");
  CHECK(E(to_sort) == "[5,3,4,1,12]");
  CHECK(E(call("sort", {J("[]"), asc})) == "[]");
  CHECK(E(call("sort", {J("[1]"), asc})) == "[1]");
  CHECK(E(call("sort", {J("[2,1]"), asc})) == "[1,2]");
  CHECK(E(call("sort", {J("[2,3,1]"), asc})) == "[1,2,3]");

  // Stable, and a comparator result is read as JS `r <= 0`.
  Value by_first = fn([](const std::vector<Value>& a) {
    return Value(a[0].as_array()[0].as_number() - a[1].as_array()[0].as_number());
  });
  CHECK(E(call("sort", {J(R"([[2,"a"],[1,"b"],[2,"c"],[1,"d"]])"), by_first})) ==
        R"([[1,"b"],[1,"d"],[2,"a"],[2,"c"]])");
  Value says_string = fn([](const std::vector<Value>&) { return Value("x"); });  // NaN: never <= 0
  CHECK(E(call("sort", {J("[1,2,3]"), says_string})) == "[3,2,1]");
  // A comparator that throws stops the sort with its error.
  CHECK(err("sort", {J("[1,2]"), dont_call()}) == "Error: called fnDontCall");
}

TEST_CASE("encode", "[collections]") {
  CHECK(call("encode", {J(R"({"blah":1})")}).as_string() == R"({"blah":1})");
  CHECK(call("encode", {J("[1,2]")}).as_string() == "[1,2]");
  CHECK(call("encode", {12}).as_string() == "12");
  CHECK(call("encode", {"12"}).as_string() == R"("12")");
  CHECK(call("encode", {Value()}).as_string() == "null");
  CHECK(call("encode", {J(R"({"a":1,"b":2})"), 0}).as_string() == R"({"a":1,"b":2})");
  CHECK(call("encode", {J(R"({"a":1,"b":2})"), 4}).as_string() ==
        "{\n    \"a\": 1,\n    \"b\": 2\n}");
  CHECK(call("encode", {J(R"({"a":1,"b":2})"), "2"}).as_string() ==
        "{\n  \"a\": 1,\n  \"b\": 2\n}");
  CHECK(call("encode", {J(R"({"a":1,"b":2})"), Value()}).as_string() == R"({"a":1,"b":2})");
  CHECK(call("encode", {J(R"({"a":1,"b":2})"), dont_call()}).as_string() == R"({"a":1,"b":2})");
}

TEST_CASE("collection limits", "[collections]") {
  EvalContext small;
  small.limits.max_collection_size = 4;
  small.limits.max_string_bytes = 8;
  auto run = [&](const char* name, std::vector<Value> args) {
    const Builtin& b = op(name);
    BoundArgs bound;
    for (auto& a : args) bound.push(a);
    return b.fn(small, bound);
  };
  CHECK(E(run("append", {J("[1,2]"), J("[3,4]")})) == "[1,2,3,4]");
  CHECK_THROWS_WITH(run("append", {J("[1,2]"), J("[3,4]"), 5}),
                    Catch::Contains("max_collection_size"));
  CHECK_THROWS_WITH(run("set", {J("[]"), "4", 1}), Catch::Contains("max_collection_size"));
  CHECK_THROWS_WITH(run("put", {J("[]"), J("[100000000]"), 1}),
                    Catch::Contains("max_collection_size"));
  CHECK_THROWS_WITH(run("union", {J("[1,2,3]"), J("[4,5]")}),
                    Catch::Contains("max_collection_size"));
  CHECK(run("join", {J(R"(["abc","de"])"), "--"}).as_string() == "abc--de");
  CHECK_THROWS_WITH(run("join", {J(R"(["abcd","efgh"])")}), Catch::Contains("max_string_bytes"));
  // A huge index is refused with the default limits too, not allocated.
  CHECK_THROWS_WITH(call("set", {J("[]"), "4294967294", 1}),
                    Catch::Contains("max_collection_size"));
}

TEST_CASE("path operators share what they do not change", "[collections]") {
  const Value big = J(R"({"a":{"x":[1,2,3]},"b":{"y":{"z":1}}})");
  const Value out = call("put", {big, J(R"(["b","y","z"])"), 2});
  CHECK(out.as_map().find("a")->map_ptr() == big.as_map().find("a")->map_ptr());
  CHECK(out.as_map().find("b")->map_ptr() != big.as_map().find("b")->map_ptr());
  // A long path is walked without recursion.
  Array path(5000, Value("k"));
  const Value deep = call("set", {J("{}"), Value(path), 1});
  CHECK(call("get", {deep, Value(path)}).as_number() == 1);
}

// json_clean (JSON.parse(JSON.stringify(v)), as pico-framework's cleanEvent)
// and JavaScript's undefined in a map.
#include <catch2/catch.hpp>

#include <limits>

#include "engine/krl/regexp.h"
#include "engine/krl/value.h"

using namespace spime::krl;

TEST_CASE("json_clean: what JSON cannot carry", "[krl][json]") {
  Value re(make_regexp("a+", "i"));
  Map m{{"name", "Jim"},
        {"empty", Value(Array{})},
        {"r", re},
        {"inf", Value(std::numeric_limits<double>::infinity())}};
  CHECK(encode_json(json_clean(Value(m))) == R"({"name":"Jim","empty":[],"r":{},"inf":null})");
  CHECK(encode_json(json_clean(Value(Array{re, Value(1)}))) == R"([{},1])");
  CHECK(json_clean(re).is_map());

  // JSON already: returned as it is (shared, not copied).
  Value plain(Map{{"a", Value(Array{Value(1), Value("x")})}});
  Value cleaned = json_clean(plain);
  CHECK(cleaned.map_ptr() == plain.map_ptr());
}

TEST_CASE("undefined: null everywhere, left out of JSON maps", "[krl][json]") {
  Value u = Value::undefined();
  CHECK(u.is_null());
  CHECK(u.is_undefined());
  CHECK(u.type() == Type::Null);
  CHECK_FALSE(Value().is_undefined());
  Map m{{"name0", "000"}, {"name1", u}};
  CHECK(encode_json(Value(m)) == R"({"name0":"000"})");
  CHECK(encode_json(Value(Array{u})) == "[null]");
  CHECK(encode_json(json_clean(Value(m))) == R"({"name0":"000"})");
  CHECK(json_clean(Value(m)).as_map().size() == 1);
}

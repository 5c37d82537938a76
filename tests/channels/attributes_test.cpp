// Query strings, bodies and headers → attributes, as the reference merges them.
#include <catch2/catch.hpp>

#include "channels/attributes.h"

using namespace spime::channels;
using spime::krl::encode_json;
using spime::krl::Value;

namespace {
std::string qs(std::string_view q) {
  return encode_json(parse_query_string(q));
}
std::string form(std::string_view q) {
  return encode_json(parse_form(q));
}
}  // namespace

TEST_CASE("query strings parse as Express's qs", "[http]") {
  CHECK(qs("") == "{}");
  CHECK(qs("a=1&b=two") == R"({"a":"1","b":"two"})");
  CHECK(qs("a=1&a=2&a=3") == R"({"a":["1","2","3"]})");
  CHECK(qs("a[b]=1&a[c]=2") == R"({"a":{"b":"1","c":"2"}})");
  CHECK(qs("a[]=1&a[]=2") == R"({"a":["1","2"]})");
  CHECK(qs("a[1]=x&a[0]=y") == R"({"a":["y","x"]})");
  CHECK(qs("a[5]=x") == R"({"a":["x"]})");        // sparse arrays are compacted
  CHECK(qs("a[21]=x") == R"({"a":{"21":"x"}})");  // past the array limit: a map
  CHECK(qs("a[b][c][d][e][f][g][h]=1") == R"({"a":{"b":{"c":{"d":{"e":{"f":{"[g][h]":"1"}}}}}}})");
  CHECK(qs("flag") == R"({"flag":""})");
  CHECK(qs("x=a+b%20c&y=%E2%9C%93") == R"({"x":"a b c","y":"✓"})");
  CHECK(qs("bad=%E0%A4%A&ok=1") == R"({"bad":"%E0%A4%A","ok":"1"})");  // kept as is
  CHECK(qs("=x&&b=") == R"({"b":""})");
  CHECK(qs("a=1&a[b]=2") == R"({"a":["1",{"b":"2"}]})");
  CHECK(qs("a[b]=1&a=2") == R"({"a":{"2":true,"b":"1"}})");  // JS key order
  CHECK(qs("e=x=y") == R"({"e":"x=y"})");
}

TEST_CASE("form bodies parse as Node's querystring", "[http]") {
  CHECK(form("a=1&b=x+y") == R"({"a":"1","b":"x y"})");
  CHECK(form("a=1&a=2") == R"({"a":["1","2"]})");
  CHECK(form("a[b]=1") == R"({"a[b]":"1"})");
  CHECK(form("k=%ZZ%41") == R"({"k":"%ZZA"})");
}

TEST_CASE("bodies parse by content type", "[http]") {
  Value out;
  AttributeError err;
  REQUIRE(parse_body("application/json", R"({"a":1})", true, &out, &err));
  CHECK(encode_json(out) == R"({"a":1})");
  REQUIRE(parse_body("application/json; charset=UTF-8", " {\"a\":[1,2]} ", true, &out, &err));
  CHECK(encode_json(out) == R"({"a":[1,2]})");
  REQUIRE(parse_body("application/octet-stream", R"({"x":true})", true, &out, &err));
  CHECK(encode_json(out) == R"({"x":true})");
  REQUIRE(parse_body("application/json", "", true, &out, &err));
  CHECK(encode_json(out) == "{}");
  REQUIRE(parse_body("application/x-www-form-urlencoded", "a=1", true, &out, &err));
  CHECK(encode_json(out) == R"({"a":"1"})");
  REQUIRE(parse_body("text/plain", "{not json", true, &out, &err));
  CHECK(out.is_null());
  REQUIRE(parse_body("application/json", "{not json", false, &out, &err));
  CHECK(out.is_null());

  CHECK_FALSE(parse_body("application/json", "{\"a\":", true, &out, &err));
  CHECK(err.status == 400);
  CHECK(err.message.rfind("SyntaxError: invalid JSON body", 0) == 0);
  CHECK_FALSE(parse_body("application/json", "[1,2,3]", true, &out, &err));
  CHECK(err.status == 400);
  CHECK(err.message == "SyntaxError: the JSON body must be an object, not an array");
  CHECK_FALSE(parse_body("application/json", "42", true, &out, &err));
  CHECK(err.message == "SyntaxError: the JSON body must be an object");
  CHECK_FALSE(parse_body("application/json; charset=latin1", "{}", true, &out, &err));
  CHECK(err.status == 415);
  CHECK(err.message == "UnsupportedMediaTypeError: unsupported charset \"latin1\"");
  CHECK_FALSE(parse_body("application/json", "{\"a\":\"\xff\"}", true, &out, &err));
  CHECK(err.status == 400);
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 1000; ++i) deep += "}";
  CHECK_FALSE(parse_body("application/json", deep, true, &out, &err));
  CHECK(err.status == 400);
  std::string many;
  for (int i = 0; i < 1001; ++i) many += "k=v&";
  CHECK_FALSE(parse_body("application/x-www-form-urlencoded", many, true, &out, &err));
  CHECK(err.status == 413);
}

TEST_CASE("headers look like Node's req.headers", "[http]") {
  Value h = headers_value({{"Host", "x"},
                           {"X-Thing", "a"},
                           {"x-thing", "b"},
                           {"Set-Cookie", "c=1"},
                           {"set-cookie", "d=2"},
                           {"Content-Type", "text/plain"},
                           {"content-type", "text/html"},
                           {"X-Latin", "caf\xe9"}});
  CHECK(
      encode_json(h) ==
      R"({"host":"x","x-thing":"a, b","set-cookie":["c=1","d=2"],"content-type":"text/plain","x-latin":"café"})");
}

TEST_CASE("attributes merge query, then body, then _headers", "[http]") {
  Value q = parse_query_string("a=q&b=q&_headers=q");
  Value b = parse_form("b=body&c=body&_headers=body");
  Value h = headers_value({{"Host", "h"}});
  CHECK(encode_json(merge_attributes(q, b, h)) ==
        R"({"a":"q","b":"body","_headers":{"host":"h"},"c":"body"})");
  CHECK(encode_json(merge_attributes(q, Value(), h)) ==
        R"({"a":"q","b":"q","_headers":{"host":"h"}})");
}

TEST_CASE("decode_uri_component refuses what JavaScript refuses", "[http]") {
  std::string out;
  CHECK(decode_uri_component("a%20b%2Fc", &out));
  CHECK(out == "a b/c");
  CHECK(decode_uri_component("a+b", &out));
  CHECK(out == "a+b");
  CHECK_FALSE(decode_uri_component("%E0%A4%A", &out));
  CHECK_FALSE(decode_uri_component("%zz", &out));
  CHECK_FALSE(decode_uri_component("%ff", &out));
}

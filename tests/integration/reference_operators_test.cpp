// The reference's test of operators.krl (standard library operators), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference operators.krl: standard library operators", "[reference]") {
  TestEngine e({"operators.krl"});
  const std::string rid = "io.picolabs.operators";
  // step 1: every operator's result at once
  json expected = json::parse(R"j({
    "str_as_num": 100.25,
    "num_as_str": "1.05",
    "regex_as_str": "re#blah#i",
    "isnull": [false, false, true],
    "typeof": ["Number", "String", "String", "Array", "Map", "RegExp", "Null", "Null"],
    "75.chr()": "K",
    "0.range(10)": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "10.sprintf": "< 10>",
    ".capitalize()": "Hello World",
    ".decode()": [3, 4, 5],
    ".extract": ["s is a st", "ring"],
    ".lc()": "hello world",
    ".match true": true,
    ".match false": false,
    ".ord()": 72,
    ".replace": "Hello Billiam!",
    ".split": ["a", "b", "c"],
    ".sprintf": "Hello Jim!",
    ".substr(5)": "is a string",
    ".substr(5, 4)": "is a",
    ".substr(5, -5)": "is a s",
    ".substr(25)": "",
    ".uc()": "HELLO WORLD"
  })j");
  json results = e.query(rid, "results");
  CHECK(results == expected);
  // each key on its own, so a failure names the operator
  for (const auto& [key, value] : expected.items()) {
    INFO(key);
    CHECK(results.value(key, json()) == value);
  }
  // steps 2-3: klog returns its receiver
  CHECK(e.query(rid, "returnMapAfterKlog") == json::parse(R"({"a": 1})"));
  CHECK(e.query(rid, "returnArrayAfterKlog") == json::parse("[1, 2]"));
}

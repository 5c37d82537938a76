// The reference's test of expressions.krl (paths, indexes, parameter defaults), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference expressions.krl: paths, indexes and default parameters", "[reference]") {
  TestEngine e({"expressions.krl"});
  const std::string rid = "io.picolabs.expressions";
  // step 1: a nested map literal
  CHECK(e.query(rid, "obj") ==
        json::parse(R"({"a": 1, "b": {"c": [2, 3, 4, {"d": {"e": 5}}, 6, 7]}})"));
  // steps 2-3: path expressions obj{[...]}
  CHECK(e.query(rid, "path1") == json::parse(R"({"e": 5})"));
  CHECK(e.query(rid, "path2") == 7);
  // steps 4-5: index expressions
  CHECK(e.query(rid, "index1") == 1);
  CHECK(e.query(rid, "index2") == 3);
  // step 6: parameter defaults that use earlier parameters
  CHECK(e.query(rid, "paramFnTest") ==
        json::parse(R"([[4, 6, "6?"], ["one", "one2", "one2?"], [3, 4, 5]])"));
}

// The reference's test of hello-world.krl (a query before and after installing, an
// event storing an attribute), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference hello-world.krl: install, query, event", "[reference]") {
  TestEngine e;
  const std::string rid = "io.picolabs.hello_world";
  // steps 1-2: not installed yet (asked twice, as the reference)
  for (int i = 0; i < 2; ++i) {
    CHECK(refused(e.query_raw(rid, "hello", {{"name", "bob"}})) ==
          "Error: Pico doesn't have io.picolabs.hello_world installed.");
  }
  // step 3: install
  e.install("hello-world.krl");
  // steps 4-6: a query with an argument, then with its default (twice)
  CHECK(e.query(rid, "hello", {{"name", "bob"}}) == "Hello bob");
  CHECK(e.query(rid, "hello", json::object()) == "Hello default");
  CHECK(e.query(rid, "hello", json::object()) == "Hello default");
  // step 7: nothing said yet
  CHECK(e.query(rid, "said", json::object()).is_null());
  // steps 8-9: say:hello stores its name
  CHECK(e.signal("say", "hello", {{"name", "said something ok"}}) == json::array());
  CHECK(e.query(rid, "said", json::object()) == "said something ok");
}

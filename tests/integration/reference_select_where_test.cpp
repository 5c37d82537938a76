// The reference's test of select-where.krl (`select where <expr>` rules), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

namespace {

// The "all" directive's attrs hold _headers and __eid over HTTP (in both
// engines); compared without them.
json without_http_attrs_in_all(json directives) {
  for (auto& d : directives) {
    if (d.is_object() && d.value("name", "") == "all" && d.contains("options") &&
        d["options"].contains("attrs")) {
      d["options"]["attrs"] = without_http_attrs(d["options"]["attrs"]);
    }
  }
  return directives;
}

json all(const std::string& domain, const std::string& name, json attrs = json::object()) {
  return dir("all", {{"domain", domain}, {"name", name}, {"attrs", std::move(attrs)}});
}

}  // namespace

TEST_CASE("reference select-where.krl: rules selected by an expression", "[reference]") {
  TestEngine e({"select-where.krl"});
  // steps 1-2: `select where true` sees every event
  CHECK(without_http_attrs_in_all(e.signal("something", "random")) ==
        json::array({all("something", "random")}));
  CHECK(without_http_attrs_in_all(e.signal("foo", "bar")) == json::array({all("foo", "bar")}));
  // step 3: set the watched domain
  CHECK(without_http_attrs_in_all(e.signal("set", "watcher", {{"domain", "foo"}})) ==
        json::array({all("set", "watcher", {{"domain", "foo"}})}));
  // step 4: foo:bar again, now the watcher matches too
  CHECK(without_http_attrs_in_all(e.signal("foo", "bar")) ==
        json::array({all("foo", "bar"), dir("watcher matched!")}));
}

// The reference's test of persistent-index.krl (entity variables with paths), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference persistent-index.krl: entity variable paths", "[reference]") {
  TestEngine e({"persistent-index.krl"});
  const std::string rid = "io.picolabs.persistent-index";
  const json none = json::array();
  // step 1: unset
  CHECK(e.query(rid, "getFoo").is_null());
  // steps 2-3: ent:foo := event:attrs (over HTTP the attrs also hold _headers
  // and __eid, in both engines: compared without them)
  CHECK(e.signal("pindex", "setfoo", {{"aaa", "blah"}}) == none);
  CHECK(without_http_attrs(e.query(rid, "getFoo")) == json{{"aaa", "blah"}});
  // steps 4-5: ent:foo{key} := value
  CHECK(e.signal("pindex", "putfoo", {{"key", "bbb"}, {"value", "wat"}}) == none);
  CHECK(without_http_attrs(e.query(rid, "getFoo")) == json{{"aaa", "blah"}, {"bbb", "wat"}});
  // steps 6-8: ent:foo{key}
  CHECK(e.query(rid, "getFooKey", {{"key", "aaa"}}) == "blah");
  CHECK(e.query(rid, "getFooKey", {{"key", "404"}}).is_null());
  CHECK(e.query(rid, "getFooKey", json::object()).is_null());
  // steps 9-12: clear ent:foo{key}
  CHECK(e.signal("pindex", "delfoo", {{"key", "aaa"}}) == none);
  CHECK(without_http_attrs(e.query(rid, "getFoo")) == json{{"bbb", "wat"}});
  CHECK(e.query(rid, "getFooKey", {{"key", "aaa"}}).is_null());
  CHECK(e.query(rid, "getFooKey", {{"key", "bbb"}}) == "wat");
  // steps 13-15: clear ent:foo
  CHECK(e.signal("pindex", "nukefoo") == none);
  CHECK(e.query(rid, "getFoo").is_null());
  CHECK(e.query(rid, "getFooKey", {{"key", "bbb"}}).is_null());
  // steps 16-18: a map only ever set through a deep path
  CHECK(e.query(rid, "getBaz").is_null());
  CHECK(e.signal("pindex", "putbaz") == none);
  CHECK(e.query(rid, "getBaz") == json::parse(R"({"one": {"two": "three"}})"));
  // steps 19-23: a path into an array of maps
  CHECK(e.query(rid, "getMaplist").is_null());
  CHECK(e.signal("pindex", "setmaplist") == none);
  CHECK(e.query(rid, "getMaplist") ==
        json::parse(R"([{"id": "one"}, {"id": "two"}, {"id": "three"}])"));
  CHECK(e.signal("pindex", "putmaplist") == none);
  CHECK(e.query(rid, "getMaplist") ==
        json::parse(R"([{"id": "one"}, {"id": "two", "other": "thing"}, {"id": "three"}])"));
}

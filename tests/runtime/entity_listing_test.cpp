// The bounded listing of a pico's entity variables (runtime/records/
// entity_listing.h) over a real store: key order, values whole or cut with
// their marker, a keyed map whole in insertion order or cut, the limits, and
// what the pico holds in memory laid over the store.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/runtime/records/entity_listing.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"
#include "tests/temp_dir.h"

using namespace spime::runtime::entity_records;
using spime::krl::Array;
using spime::krl::Map;
using spime::krl::Value;
using spime::testing::TempDir;

namespace {

const std::string kPico = "p1";

std::string J(const Value& v) {
  return spime::krl::encode_json(v);
}

// A map of n entries inserted from "k<n>" down to "k1" (insertion order is not key order).
Value members(int n) {
  Map m;
  for (int i = n; i > 0; --i) m.set("k" + std::to_string(i), Value(Map{{"i", Value(i)}}));
  return Value(std::move(m));
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<spime::store::Store> store;
  Fixture() {
    std::string err;
    store = spime::store::Store::open(dir.path(), {}, &err);
    REQUIRE(store);
  }
  void put(const std::string& rid, const std::string& name, const Value& v) {
    spime::store::WriteBatch b;
    write(
        &b, kPico, rid, name, StoredEnt{}, v,
        [](const std::string&, std::string*) { return false; },
        [](const std::string&, std::optional<std::string>) {});
    std::string err;
    REQUIRE(store->write(b, &err));
  }
  Listing list(std::size_t max_vars, std::size_t max_bytes, const Overlay& overlay = {}) {
    Limits l;
    l.max_variables = max_vars;
    l.max_value_bytes = max_bytes;
    return list_variables(*store, kPico, l, overlay);
  }
};

const Listed* find(const Listing& l, const std::string& rid, const std::string& name) {
  for (const Listed& v : l.variables) {
    if (v.rid == rid && v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("bounded_json is encode_json's text, or its UTF-8 prefix when too long",
          "[runtime][entity][listing]") {
  Value v(Map{{"s", Value("tab\t\"quote\" é ✓")},
              {"a", Value(Array{Value(1), Value(2.5), Value(), Value(true)})},
              {"m", Value(Map{{"deep", Value(Array{Value(Map{})})}})}});
  const std::string whole = J(v);
  std::string out;
  CHECK(bounded_json(v, whole.size(), &out));
  CHECK(out == whole);
  for (std::size_t n = 1; n < whole.size(); ++n) {
    INFO(n);
    REQUIRE_FALSE(bounded_json(v, n, &out));
    CHECK(out.size() <= n);
    CHECK(out.size() + 3 >= n);  // at most a cut UTF-8 sequence short
    CHECK(whole.compare(0, out.size(), out) == 0);
  }
  // A long string costs what shows, not its length.
  Value big(std::string(1 << 20, 'x'));
  REQUIRE_FALSE(bounded_json(big, 10, &out));
  CHECK(out == "\"xxxxxxxxx");
}

TEST_CASE("a pico's variables from the store: order, markers, limits",
          "[runtime][entity][listing]") {
  Fixture f;
  f.put("b.rid", "keyed", members(100));  // stored by key
  f.put("a.rid", "x", Value(1));
  f.put("a.rid", "y", Value(std::string(1000, 'y')));
  f.put("a.rid", "a", Value(Map{{"k", Value("v")}}));

  Listing all = f.list(256, 16384);
  CHECK_FALSE(all.more);
  REQUIRE(all.variables.size() == 4);
  CHECK(all.variables[0].rid == "a.rid");
  CHECK(all.variables[0].name == "a");
  CHECK(all.variables[1].name == "x");
  CHECK(all.variables[2].name == "y");
  CHECK(all.variables[3].rid == "b.rid");
  CHECK(J(all.variables[1].value) == "1");
  const Listed* keyed = find(all, "b.rid", "keyed");
  REQUIRE(keyed);
  CHECK_FALSE(keyed->cut);
  CHECK(J(keyed->value) == J(members(100)));  // insertion order back

  Listing small = f.list(256, 100);
  const Listed* y = find(small, "a.rid", "y");
  REQUIRE(y);
  CHECK(y->cut);
  CHECK(y->value.is_null());
  CHECK(y->json == "\"" + std::string(99, 'y'));
  CHECK(y->bytes == std::optional<std::size_t>(1002));
  keyed = find(small, "b.rid", "keyed");
  REQUIRE(keyed);
  CHECK(keyed->cut);
  CHECK(keyed->json.size() == 100);
  CHECK(keyed->json.rfind("{\"k1\":{\"i\":1},\"k10\":", 0) == 0);  // key order when cut
  CHECK_FALSE(keyed->bytes);
  CHECK(J(find(small, "a.rid", "x")->value) == "1");

  Listing two = f.list(2, 16384);
  CHECK(two.more);
  REQUIRE(two.variables.size() == 2);
  CHECK(two.variables[1].name == "x");
  // Out of range limits are clamped.
  CHECK(f.list(0, 0).variables.size() == 1);
  CHECK(f.list(100000, 1 << 30).variables.size() == 4);
}

TEST_CASE("what the pico holds in memory lies over the store", "[runtime][entity][listing]") {
  Fixture f;
  f.put("a.rid", "x", Value(1));
  f.put("a.rid", "y", Value(2));
  f.put("b.rid", "old", Value(3));
  StoredEnt x2{Value(20)};
  StoredEnt y_gone{Value()};
  StoredEnt z{Value(std::string(500, 'z'))};
  Overlay o;
  o.held = {{{"a.rid", "x"}, &x2}, {{"a.rid", "y"}, &y_gone}, {{"a.rid", "z"}, &z}};
  o.store_stale = [](std::string_view rid) { return rid == "b.rid"; };
  Listing l = f.list(256, 100, o);
  CHECK_FALSE(l.more);
  REQUIRE(l.variables.size() == 2);
  CHECK(l.variables[0].name == "x");
  CHECK(J(l.variables[0].value) == "20");
  CHECK(l.variables[1].name == "z");
  CHECK(l.variables[1].cut);
  CHECK(l.variables[1].json == "\"" + std::string(99, 'z'));
  CHECK_FALSE(l.variables[1].bytes);

  // With the store cut short, nothing held past where it stopped is shown.
  f.put("a.rid", "w", Value(0));
  Listing one = f.list(1, 100, o);
  CHECK(one.more);
  REQUIRE(one.variables.size() == 1);
  CHECK(one.variables[0].name == "w");
}

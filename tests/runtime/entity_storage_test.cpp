// How entity variables reach the store (runtime/records/entity_records.h):
// a large map is stored by key and a write costs the entries it changes,
// while KRL sees the same map in the same order after any reload.
#include <catch2/catch.hpp>

#include <string>

#include "engine/runtime/records/entity_records.h"
#include "engine/store/keys.h"
#include "engine/store/write_batch.h"
#include "tests/runtime/offline_engine.h"

using namespace spime::runtime;
using namespace spime::runtime::testing;
namespace keys = spime::store::keys;
using spime::krl::Map;
using spime::krl::Value;

namespace {

constexpr const char* kRuleset = R"(ruleset m {
  meta { shares all, keys_in_order, one }
  global {
    all = function() { ent:m }
    keys_in_order = function() { ent:m.defaultsTo({}).keys() }
    one = function(k) { ent:m{k} }
  }
  rule fill { select when t fill
    foreach 1.range(event:attr("n")) setting(i)
    always { ent:m{"k" + i} := { "i": i } }
  }
  rule put_path { select when t put always { ent:m{event:attr("k")} := event:attr("v") } }
  rule put_whole { select when t put_whole
    always { ent:m := ent:m.put(event:attr("k"), event:attr("v")) } }
  rule clear_one { select when t clear always { clear ent:m{event:attr("k")} } }
  rule keep_first { select when t keep
    always { ent:m := ent:m.filter(function(v, k) {
      v.typeof() == "Map" && v{"i"} <= event:attr("n") }) } }
  rule scalar { select when t scalar always { ent:m := 5 } }
})";

std::string J(const Value& v) {
  return spime::krl::encode_json(v);
}

// Keys in the store under `prefix`.
int count(spime::store::Store& s, const std::string& prefix) {
  int n = 0;
  s.scan(prefix, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

// Puts of one batch under `prefix`.
int puts_under(const spime::store::WriteBatch& b, const std::string& prefix) {
  int n = 0;
  for (const auto& op : b.ops()) {
    if (op.kind == spime::store::WriteBatch::Op::Kind::kPut && op.key.rfind(prefix, 0) == 0) ++n;
  }
  return n;
}

std::string stored_whole(spime::store::Store& s, const std::string& pico) {
  std::string raw;
  return s.get(keys::entvar(pico, "m", "m"), &raw) ? raw : "<absent>";
}

}  // namespace

TEST_CASE("a large entity map is stored by key and written by the entries that change",
          "[runtime][entity]") {
  Engine e;
  e.add("mem://m", kRuleset);
  const std::string entries = keys::entvar_entry_prefix(e.root, "m", "m");

  // Small: whole, as ever.
  REQUIRE(e.event("t", "fill", {{"n", 10}}).ok);
  CHECK(stored_whole(*e.store, e.root).front() == '{');
  CHECK(count(*e.store, entries) == 0);

  // 64 entries and more: by key.
  REQUIRE(e.event("t", "fill", {{"n", 100}}).ok);
  CHECK(stored_whole(*e.store, e.root) == entity_records::kKeyedMarker);
  CHECK(count(*e.store, entries) == 100);

  // One entry changed by a path, or by a whole expression over the old map: one record.
  auto out = e.event("t", "put", {{"k", "k7"}, {"v", "seven"}});
  REQUIRE(out.ok);
  CHECK(puts_under(out.batch, entries) == 1);
  out = e.event("t", "put_whole", {{"k", "new"}, {"v", 1}});
  REQUIRE(out.ok);
  CHECK(puts_under(out.batch, entries) == 1);
  CHECK(puts_under(out.batch, keys::entvar(e.root, "m", "m")) == 0);
  // Integer-like keys sort first, as in JavaScript; others keep their insertion order.
  REQUIRE(e.event("t", "put", {{"k", "42"}, {"v", 42}}).ok);
  REQUIRE(e.event("t", "put", {{"k", "3"}, {"v", 3}}).ok);
  out = e.event("t", "clear", {{"k", "k50"}});
  REQUIRE(out.ok);
  CHECK(puts_under(out.batch, entries) == 0);
  CHECK(count(*e.store, entries) == 102);

  const Value before = e.query("m", "all").value;
  const std::string order = J(e.query("m", "keys_in_order").value);
  CHECK(order.rfind(R"(["3","42","k1","k2",)", 0) == 0);
  CHECK(order.find(R"("k49","k51")") != std::string::npos);
  CHECK(order.size() > 0);
  CHECK(J(e.query("m", "one", {{"k", "k7"}}).value) == R"("seven")");

  // After a restart: the same map, entry for entry and in the same order.
  e.reopen();
  CHECK(J(e.query("m", "all").value) == J(before));
  CHECK(J(e.query("m", "keys_in_order").value) == order);
  // A changed entry keeps its place after the reload too.
  REQUIRE(e.event("t", "put", {{"k", "k1"}, {"v", "one"}}).ok);
  e.reopen();
  const std::string after = J(e.query("m", "keys_in_order").value);
  CHECK(after == order);
  REQUIRE(e.event("t", "put", {{"k", "last"}, {"v", 0}}).ok);
  e.reopen();
  CHECK(J(e.query("m", "keys_in_order").value).find(R"("new","last"])") != std::string::npos);

  // Shrunk under 32 entries (k2..k20 but k7, now a string): whole again, the entries gone.
  REQUIRE(e.event("t", "keep", {{"n", 20}}).ok);
  CHECK(stored_whole(*e.store, e.root).front() == '{');
  CHECK(count(*e.store, entries) == 0);
  e.reopen();
  CHECK(e.query("m", "keys_in_order").value.as_array().size() == 18);

  // Not a map any more: whole, the entries gone.
  REQUIRE(e.event("t", "fill", {{"n", 70}}).ok);
  CHECK(count(*e.store, entries) == 70);
  REQUIRE(e.event("t", "scalar").ok);
  CHECK(stored_whole(*e.store, e.root) == "5");
  CHECK(count(*e.store, entries) == 0);
}

TEST_CASE("a keyed entity map goes with its ruleset", "[runtime][entity]") {
  Engine e;
  e.add("mem://m", kRuleset);
  e.add("mem://u", R"(ruleset u { rule go { select when t uninstall ctx:uninstall("m") } })");
  REQUIRE(e.event("t", "fill", {{"n", 80}}).ok);
  const std::string entries = keys::entvar_entry_prefix(e.root, "m");
  CHECK(count(*e.store, entries) == 80);
  REQUIRE(e.event("t", "uninstall").ok);
  CHECK(count(*e.store, entries) == 0);
  CHECK(stored_whole(*e.store, e.root) == "<absent>");
}

TEST_CASE("one entry of a stored entity map is read by itself", "[runtime][entity]") {
  Engine e;
  e.add("mem://m", kRuleset);
  REQUIRE(e.event("t", "fill", {{"n", 10}}).ok);
  CHECK(J(entity_records::read_stored_entry(*e.store, e.root, "m", "m", "k3")) == R"({"i":3})");
  REQUIRE(e.event("t", "fill", {{"n", 90}}).ok);
  CHECK(J(entity_records::read_stored_entry(*e.store, e.root, "m", "m", "k83")) == R"({"i":83})");
  CHECK(entity_records::read_stored_entry(*e.store, e.root, "m", "m", "nope").is_null());
}

TEST_CASE("entity map entry records: order and value, malformed ones refused",
          "[runtime][entity]") {
  std::uint64_t order = 0;
  Value v;
  const std::string raw = entity_records::encode_entry(12, Value(Map{{"a", 1}}));
  CHECK(raw == R"(12:{"a":1})");
  REQUIRE(entity_records::decode_entry(raw, &order, &v));
  CHECK(order == 12);
  CHECK(J(v) == R"({"a":1})");
  for (const char* bad : {"", ":1", "x:1", "12", "12:", "1 2:1", "-1:1"}) {
    INFO(bad);
    CHECK_FALSE(entity_records::decode_entry(bad, &order, &v));
  }
}

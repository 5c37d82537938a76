// A pico's channels are read when asked for, not when the pico is loaded
// (runtime/pico/pico_state.h): the root of 100,000 children has as many.
#include <catch2/catch.hpp>

#include <string>

#include "engine/runtime/boot/bootstrap.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/store/keys.h"
#include "engine/store/write_batch.h"
#include "tests/runtime/offline_engine.h"
#include "tests/temp_dir.h"

using namespace spime::runtime;
using namespace spime::runtime::testing;
namespace keys = spime::store::keys;
using spime::krl::Value;

namespace {

constexpr const char* kChannels = R"(ruleset chans {
  meta { shares orders, tagged }
  global {
    orders = function() { ctx:channels.map(function(c) { c{"tags"}.join(",") + "=" + c{"id"} }) }
    tagged = function(t) { ctx:channelsTagged([t]).map(function(c) { c{"id"} }) }
  }
  rule make { select when t make
    ctx:newChannel([event:attr("tag")]) setting(c)
    always { ent:last := c{"id"} } }
  rule drop { select when t drop ctx:delChannel(event:attr("eci")) }
})";

std::string J(const Value& v) {
  return spime::krl::encode_json(v);
}

PicoRecord root_record(Engine& e) {
  std::string raw, err;
  REQUIRE(e.store->get(keys::pico(e.root), &raw));
  PicoRecord r;
  REQUIRE(decode_record(raw, &r, &err));
  return r;
}

}  // namespace

TEST_CASE("a loaded pico reads its channels when asked, and keeps their order", "[runtime]") {
  Engine e;
  e.add("mem://chans", kChannels);
  for (const char* tag : {"a", "b", "c"}) REQUIRE(e.event("t", "make", {{"tag", tag}}).ok);
  const std::string listed = J(e.query("chans", "orders").value);
  REQUIRE(root_record(e).next_channel_order);
  const std::int64_t next = *root_record(e).next_channel_order;

  e.reopen();
  // One channel by its ECI, then all of them in creation order; by tags too.
  const std::string eci = e.services->first_eci(e.root);
  REQUIRE(e.pico->channel(eci));
  CHECK(e.pico->channel(eci)->pico_id == e.root);
  CHECK_FALSE(e.pico->channel("no-such-eci"));
  CHECK(J(e.query("chans", "orders").value) == listed);
  e.reopen();
  CHECK(e.query("chans", "tagged", {{"t", "b"}}).value.as_array().size() == 1);

  // A new channel comes after the others, and the record keeps the next order.
  e.reopen();
  REQUIRE(e.event("t", "make", {{"tag", "d"}}).ok);
  CHECK(*root_record(e).next_channel_order == next + 1);
  const std::string with_d = J(e.query("chans", "orders").value);
  CHECK(with_d.rfind(R"("d=)") > with_d.rfind(R"("c=)"));

  // A deleted channel is gone for lookups and listings.
  REQUIRE(e.event("t", "drop", {{"eci", eci}}).ok);
  CHECK_FALSE(e.pico->channel(eci));
  CHECK(J(e.query("chans", "orders").value).find(eci) == std::string::npos);
}

TEST_CASE("a pico record without the next channel order reads its channels for it", "[runtime]") {
  Engine e;
  e.add("mem://chans", kChannels);
  for (const char* tag : {"a", "b"}) REQUIRE(e.event("t", "make", {{"tag", tag}}).ok);
  // As a record written before the order was kept.
  PicoRecord old = root_record(e);
  const std::int64_t next = *old.next_channel_order;
  old.next_channel_order.reset();
  spime::store::WriteBatch b;
  pico_records::put_pico(&b, e.root, old);
  std::string err;
  REQUIRE(e.store->write(b, &err));
  e.reopen();

  REQUIRE(e.event("t", "make", {{"tag", "c"}}).ok);
  CHECK(root_record(e).next_channel_order == next + 1);
  const Value orders = e.query("chans", "orders").value;
  REQUIRE(orders.as_array().size() >= 3);
  CHECK(orders.as_array().back().as_string().rfind("c=", 0) == 0);
}

TEST_CASE("a start finds the root's owner and UI channels without reading them all", "[runtime]") {
  spime::testing::TempDir dir;
  spime::store::Store::Options o;
  o.sync_commits = false;
  std::string err;
  auto store = spime::store::Store::open(dir.path(), o, &err);
  REQUIRE(store);
  RulesetRegistry registry(store.get());
  REQUIRE(registry.load_directory(std::string(SPIME_SOURCE_DIR) + "/rulesets").empty());
  auto log = [](const std::string& line) { FAIL(line); };

  BootstrapResult first;
  REQUIRE(bootstrap(*store, registry, log, &first, &err));
  REQUIRE_FALSE(first.owner_eci.empty());
  REQUIRE_FALSE(first.ui_eci.empty());
  std::string kept;
  REQUIRE(store->get(keys::root_owner_eci(), &kept));
  CHECK(kept == first.owner_eci);
  REQUIRE(store->get(keys::root_ui_eci(), &kept));
  CHECK(kept == first.ui_eci);

  // A data directory from before they were remembered: found by reading the
  // channels, and remembered from then on.
  spime::store::WriteBatch b;
  b.erase(keys::root_owner_eci());
  b.erase(keys::root_ui_eci());
  REQUIRE(store->write(b, &err));
  BootstrapResult again;
  REQUIRE(bootstrap(*store, registry, log, &again, &err));
  CHECK(again.owner_eci == first.owner_eci);
  CHECK(again.ui_eci == first.ui_eci);
  CHECK(store->get(keys::root_owner_eci(), &kept));
  CHECK(store->get(keys::root_ui_eci(), &kept));
}

TEST_CASE("a loaded pico reads its children when asked, and keeps their order", "[runtime]") {
  Engine e;
  e.add("mem://kids", R"(ruleset kids {
    meta { shares kids, has }
    global {
      kids = function() { ctx:children }
      has = function(eci) { ctx:hasChild(eci) }
    }
    rule make { select when t make ctx:newPico([]) }
    rule drop { select when t drop ctx:delPico(event:attr("eci")) }
  })");
  for (int i = 0; i < 3; ++i) REQUIRE(e.event("t", "make").ok);
  const Value kids = e.query("kids", "kids").value;
  REQUIRE(kids.as_array().size() == 3);
  REQUIRE(root_record(e).next_child_order);
  CHECK(*root_record(e).next_child_order == 3);

  e.reopen();
  const std::string second = kids.as_array()[1].as_string();
  CHECK(e.query("kids", "has", {{"eci", second}}).value.as_bool());
  CHECK_FALSE(e.query("kids", "has", {{"eci", "nobody"}}).value.as_bool());
  CHECK(J(e.query("kids", "kids").value) == J(kids));

  // Removed before any listing, then made again: the order goes on.
  e.reopen();
  REQUIRE(e.event("t", "drop", {{"eci", second}}).ok);
  CHECK_FALSE(e.query("kids", "has", {{"eci", second}}).value.as_bool());
  REQUIRE(e.event("t", "make").ok);
  CHECK(*root_record(e).next_child_order == 4);
  const Value now = e.query("kids", "kids").value;
  REQUIRE(now.as_array().size() == 3);
  CHECK(J(now.as_array()[0]) == J(kids.as_array()[0]));
  CHECK(J(now.as_array()[1]) == J(kids.as_array()[2]));

  // A record from before the order was kept: the children tell it.
  PicoRecord old = root_record(e);
  old.next_child_order.reset();
  spime::store::WriteBatch b;
  pico_records::put_pico(&b, e.root, old);
  std::string err;
  REQUIRE(e.store->write(b, &err));
  e.reopen();
  REQUIRE(e.event("t", "make").ok);
  CHECK(*root_record(e).next_child_order == 5);
  CHECK(e.query("kids", "kids").value.as_array().size() == 4);
}

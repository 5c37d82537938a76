// Legacy picos in a cluster (docs/cluster.md, "Slots"): picos an engine made
// before slots (records without one, 24-character ECIs) are adopted when the
// engine joins: they take a slot of its own (a family the same one), their
// ECIs get overrides in etcd, and from then on they route through the router
// and move with their slot like any other pico. The root's ECIs stay the
// engine's own.
//
// The legacy picos are written into a stopped engine's store as spime wrote
// them before slots: with the record functions the engine uses, a record
// without a slot, ECIs from runtime::new_eci(std::nullopt).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/cli/run_spime.h"
#include "tests/integration/counter_ruleset.h"
#include "tests/integration/local_cluster.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/temp_dir.h"

using namespace spime::integration;
using spime::cli_test::describe;
using spime::cli_test::run_spime;
using spime::cluster::KeyValue;
using spime::cluster::Slot;
using spime::cluster::slot_of_eci;
using spime::cluster::slot_text;
namespace pico_records = spime::runtime::pico_records;
namespace keys = spime::store::keys;

namespace {

struct LegacyPico {
  std::string id;
  std::string eci;  // a channel of its own that is not a family one
};

// A channel as ctx:newPico makes them.
spime::runtime::ChannelRecord channel(const std::string& eci, const std::string& pico,
                                      std::vector<std::string> tags,
                                      std::optional<std::string> family, std::int64_t order) {
  spime::runtime::ChannelRecord c;
  c.eci = eci;
  c.pico_id = pico;
  c.tags = std::move(tags);
  c.family_pico_id = family;
  c.order = order;
  return c;
}

// Writes a child of `parent_id` made before slots, with `rid` (registered
// here already, from `url`) installed and ent:ids = ["before"].
LegacyPico write_legacy_child(spime::store::Store& store, const std::string& parent_id,
                              const std::string& url, const std::string& rid) {
  using spime::runtime::new_eci;
  std::string raw, error;
  spime::runtime::PicoRecord parent;
  REQUIRE(store.get(keys::pico(parent_id), &raw));
  REQUIRE(spime::runtime::decode_record(raw, &parent, &error));
  const std::int64_t channel_order = parent.next_channel_order.value_or(100);
  const std::int64_t child_order = parent.next_child_order.value_or(100);
  parent.next_channel_order = channel_order + 1;
  parent.next_child_order = child_order + 1;

  const std::string id = spime::runtime::new_id();
  const std::string up = new_eci(std::nullopt), self = new_eci(std::nullopt),
                    down = new_eci(std::nullopt), own = new_eci(std::nullopt);
  spime::runtime::PicoRecord child;
  child.parent = up;
  child.created_ms = 1;
  child.next_channel_order = 3;
  child.next_child_order = 0;
  spime::store::WriteBatch b;
  pico_records::put_pico(&b, parent_id, parent);
  pico_records::put_channel(&b, channel(up, parent_id, {"system", "parent"}, id, channel_order));
  pico_records::put_child(&b, parent_id, down, child_order);
  pico_records::put_pico(&b, id, child);
  pico_records::put_channel(&b, channel(self, id, {"system", "self"}, id, 0));
  pico_records::put_channel(&b, channel(down, id, {"system", "child"}, parent_id, 1));
  pico_records::put_channel(&b, channel(own, id, {"legacy"}, std::nullopt, 2));
  spime::runtime::InstallRecord install;
  install.url = url;
  pico_records::put_installation(&b, id, rid, install);
  pico_records::put_entvar(&b, id, rid, "ids", R"(["before"])");
  const bool written = store.write(b, &error);
  INFO(error);
  REQUIRE(written);
  return {id, own};
}

// The root's id: the one pico without a parent.
std::string root_id(const spime::store::Store& store) {
  std::string root;
  store.scan(keys::pico_prefix(), [&](std::string_view key, std::string_view value) {
    std::string id, error;
    spime::runtime::PicoRecord r;
    if (keys::parse_pico(key, &id) &&
        spime::runtime::decode_record(std::string(value), &r, &error) && !r.parent) {
      root = id;
    }
    return root.empty();
  });
  return root;
}

// What the readings ruleset stored on the pico behind `eci`, asked on `port`.
json ids_of(unsigned short port, const std::string& eci) {
  const HttpResult r = http_request(port, "GET", "/sky/cloud/" + eci + "/" + kReadingsRid + "/ids");
  return r.status == 200 ? r.body : json();
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::optional<std::string> etcd_value(LocalCluster& cluster, const std::string& key) {
  std::optional<KeyValue> kv;
  if (!cluster.kv().get("/spime/" + std::string(kName) + "/" + key, &kv).is_ok() || !kv) {
    return std::nullopt;
  }
  return kv->value;
}

}  // namespace

TEST_CASE("cluster: an engine's legacy picos take its slots when it joins, and move with them",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& b = cluster.engine(1);
  spime::testing::TempDir krl;
  const std::string url = file_url(krl.write("readings.krl", kReadingsRuleset));
  // The ruleset registered on b (as an older b had it), by a slotted pico.
  const std::string slotted = new_child(b, b.owner_eci(), "slotted");
  install_ruleset(b, slotted, url, kReadingsRid);

  // b, stopped, gets a family made before slots: a head under its root and
  // the head's child.
  b.stop();
  LegacyPico head, child;
  {
    std::string error;
    auto store = spime::store::Store::open(b.data_dir(), {}, &error);
    INFO(error);
    REQUIRE(store);
    const std::string root = root_id(*store);
    REQUIRE(!root.empty());
    head = write_legacy_child(*store, root, url, kReadingsRid);
    child = write_legacy_child(*store, head.id, url, kReadingsRid);
  }
  REQUIRE(!slot_of_eci(head.eci));  // legacy: no slot in it
  b.start();

  // Adopted: both ECIs route by overrides to one slot of b's.
  std::optional<std::string> head_slot, child_slot;
  REQUIRE(eventually(
      [&] {
        head_slot = etcd_value(cluster, "overrides/" + head.eci);
        child_slot = etcd_value(cluster, "overrides/" + child.eci);
        return head_slot && child_slot;
      },
      15s));
  CHECK(*head_slot == *child_slot);  // a family stays together
  const std::optional<Slot> slot = spime::cluster::parse_slot_text(*head_slot);
  REQUIRE(slot);
  CHECK(etcd_value(cluster, "slots/" + *head_slot) == "b");
  // The root's ECIs stay b's own: no override.
  CHECK(!etcd_value(cluster, "overrides/" + b.owner_eci()));

  // Through the router and through every engine: the same state.
  for (const LegacyPico& p : {head, child}) {
    REQUIRE(
        eventually([&] { return ids_of(cluster.router().port(), p.eci) == json{"before"}; }, 10s));
    for (int i = 0; i < 3; ++i) CHECK(ids_of(cluster.engine(i).port(), p.eci) == json{"before"});
    const HttpResult r = cluster.router_post("/sky/event/" + p.eci + "/none/test/beat",
                                             json{{"id", "through the router"}}.dump());
    INFO(describe(r));
    CHECK(r.status == 200);
  }

  // A move of their slot carries them, with what they stored.
  const auto moved = run_spime({"cluster", "move", *head_slot, "--to", "c", "--etcd",
                                cluster.etcd().endpoints(), "--cluster", kName, "--json"});
  INFO(describe({"cluster", "move"}, moved));
  REQUIRE(moved.exit_code == 0);
  const json after = json{"before", "through the router"};
  for (const LegacyPico& p : {head, child}) {
    CHECK(ids_of(cluster.router().port(), p.eci) == after);
    CHECK(ids_of(cluster.engine(2).port(), p.eci) == after);
    CHECK(http_request(b.port(), "GET", "/sky/cloud/" + p.eci + "/" + kReadingsRid + "/ids", "", "",
                       kHttpTimeout, {{"X-Spime-Forwarded-By", "test"}})
              .status == 503);  // b has them no more: it would forward
  }

  // Restarted, b finds no legacy pico left to adopt.
  const std::string adopted_line = "adopted 2 legacy picos into this node's slots";
  CHECK(occurrences(b.output(), adopted_line) == 1);
  b.restart();
  REQUIRE(eventually([&] { return cluster.live("b", 0) == true; }, 15s));
  CHECK(ids_of(cluster.router().port(), head.eci) == after);
  CHECK(occurrences(b.output(), "adopted") == 0);  // output since the restart
}

// Filling the slot table (engine/cluster/slot_fill.h) against an etcd of
// the test's own: `cluster init`'s spread, its refusals, and a node that
// joins a table spread before it started.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/membership.h"
#include "engine/cluster/slot_fill.h"
#include "tests/cluster/etcd_cluster.h"

using spime::api::Status;
using spime::cluster::EtcdClient;
using spime::cluster::init_slot_table;
using spime::cluster::KeyValue;
using spime::cluster::kSlotCount;
using spime::cluster::Membership;
using spime::cluster::MembershipOptions;
using spime::cluster::Slot;
using spime::cluster::spread_owner;
using spime::integration::EtcdCluster;

TEST_CASE("spread_owner: contiguous ranges of nearly equal size", "[cluster][slots]") {
  const std::vector<std::string> three{"a", "b", "c"};
  std::map<std::string, int> counts;
  std::string last;
  int changes = 0;
  for (unsigned s = 0; s < kSlotCount; ++s) {
    const std::string& o = spread_owner(three, static_cast<Slot>(s));
    ++counts[o];
    if (o != last) ++changes;
    last = o;
  }
  CHECK(counts == std::map<std::string, int>{{"a", 1366}, {"b", 1365}, {"c", 1365}});
  CHECK(changes == 3);  // a..., then b..., then c...
  CHECK(spread_owner(three, 0) == "a");
  CHECK(spread_owner(three, 0xfff) == "c");
  CHECK(spread_owner({"solo"}, 0x800) == "solo");
}

TEST_CASE("init_slot_table: spreads the slots once, and nodes that start later keep them",
          "[cluster][slots]") {
  EtcdCluster etcd(1);
  EtcdClient kv(etcd.urls());
  CHECK(init_slot_table(kv, "i", {}).code() == Status::Code::kInvalidArgument);
  CHECK(init_slot_table(kv, "i", {"a", "b/c"}).code() == Status::Code::kInvalidArgument);
  CHECK(init_slot_table(kv, "i", {"a", "a"}).code() == Status::Code::kInvalidArgument);
  std::optional<KeyValue> init;
  REQUIRE(kv.get("/spime/i/init", &init).is_ok());
  CHECK_FALSE(init.has_value());  // refusals write nothing

  REQUIRE(init_slot_table(kv, "i", {"a", "b", "c"}).is_ok());
  std::vector<KeyValue> slots;
  REQUIRE(
      kv.range("/spime/i/slots/", spime::cluster::prefix_end("/spime/i/slots/"), &slots).is_ok());
  REQUIRE(slots.size() == kSlotCount);
  for (const KeyValue& k : slots) {
    const auto slot = spime::cluster::parse_slot_text(k.key.substr(15));
    REQUIRE(slot.has_value());
    REQUIRE(k.value == spread_owner({"a", "b", "c"}, *slot));
  }
  const Status again = init_slot_table(kv, "i", {"x"});
  CHECK(again.code() == Status::Code::kConflict);
  CHECK(again.message() == "the slot table of cluster 'i' is filled already");

  // b starts: it finds its third, and takes nothing more.
  MembershipOptions o;
  o.etcd = etcd.urls();
  o.cluster = "i";
  o.node = "b";
  o.advertise = "http://127.0.0.1:1";
  o.lease_ttl = std::chrono::seconds(3);
  std::unique_ptr<Membership> b;
  REQUIRE(Membership::start(o, &b).is_ok());
  CHECK(b->table().count_owned_by("b") == 1365);
  CHECK(b->table().count_owned_by("a") == 1366);
  b->stop();
}

// Membership and the slot table (engine/cluster/membership.h,
// slot_table.h) against real etcd members of the test's own: the first node
// fills the table, others see it, changes reach every table, names are
// unique, and the fence closes when the lease may be gone and stays open
// when etcd has lost its quorum.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/membership.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/integration/sky.h"

using spime::api::Status;
using spime::cluster::EtcdClient;
using spime::cluster::KeyValue;
using spime::cluster::Membership;
using spime::cluster::MembershipOptions;
using spime::integration::EtcdCluster;
using spime::integration::eventually;
using namespace std::chrono_literals;

namespace {

MembershipOptions node(const EtcdCluster& etcd, const std::string& name,
                       std::chrono::seconds ttl = 3s) {
  MembershipOptions o;
  o.etcd = etcd.urls();
  o.cluster = "test";
  o.node = name;
  o.advertise = "http://127.0.0.1:1/" + name;
  o.lease_ttl = ttl;
  return o;
}

std::unique_ptr<Membership> started(MembershipOptions o) {
  std::unique_ptr<Membership> m;
  const Status s = Membership::start(std::move(o), &m);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return m;
}

}  // namespace

TEST_CASE("membership: the first node fills the table, the next one sees it", "[cluster]") {
  EtcdCluster etcd(1);
  auto a = started(node(etcd, "a"));
  CHECK(a->table().count_owned_by("a") == spime::cluster::kSlotCount);
  CHECK(a->table().serves(0));
  CHECK(a->table().serves(0xfff));

  auto b = started(node(etcd, "b"));
  CHECK(b->table().count_owned_by("a") == spime::cluster::kSlotCount);
  CHECK_FALSE(b->table().serves(0));
  CHECK(b->table().owner(0x3a7) == std::optional<std::string>("a"));
  CHECK(b->table().advertise_url("a") == "http://127.0.0.1:1/a");
  CHECK(eventually([&] { return a->table().advertise_url("b") == "http://127.0.0.1:1/b"; }, 10s));

  // A flip written to etcd (a move's last step) reaches both tables.
  EtcdClient raw(etcd.urls());
  REQUIRE(raw.put("/spime/test/slots/3a7", "b").is_ok());
  CHECK(eventually([&] { return b->table().serves(0x3a7) && !a->table().serves(0x3a7); }, 10s));
  CHECK(a->table().serves(0x3a6));
  CHECK(eventually([&] { return a->table().revision() == b->table().revision(); }, 10s));

  // Leaving revokes the lease: the others see the node go at once.
  b->stop();
  CHECK(eventually([&] { return a->table().advertise_url("b").empty(); }, 2s));
  CHECK(a->table().owner(0x3a7) == std::optional<std::string>("b"));  // slots keep their owner
}

TEST_CASE("membership: a node name held by a live node is refused", "[cluster]") {
  EtcdCluster etcd(1);
  auto a = started(node(etcd, "a"));
  std::unique_ptr<Membership> twin;
  CHECK(Membership::start(node(etcd, "a"), &twin).code() == Status::Code::kConflict);
  CHECK(a->table().serves(1));  // the first is untouched

  MembershipOptions bad = node(etcd, "a/b");
  CHECK(Membership::start(bad, &twin).code() == Status::Code::kInvalidArgument);

  a->stop();
  auto again = started(node(etcd, "a"));  // free once it left
  CHECK(again->table().count_owned_by("a") == spime::cluster::kSlotCount);
}

TEST_CASE("membership: a lost lease means register again and read everything again", "[cluster]") {
  EtcdCluster etcd(1);
  auto a = started(node(etcd, "a", 3s));
  // As if the lease had expired while the node was away, and an operator had
  // given slot 005 to another node meanwhile.
  EtcdClient raw(etcd.urls());
  std::optional<KeyValue> registered;
  REQUIRE(raw.get("/spime/test/nodes/a", &registered).is_ok());
  REQUIRE(registered);
  REQUIRE(raw.lease_revoke(registered->lease).is_ok());
  REQUIRE(raw.put("/spime/test/slots/005", "z").is_ok());

  CHECK(eventually([&] { return a->rejoins() >= 1; }, 10s));
  CHECK_FALSE(a->table().serves(5));
  CHECK(a->table().serves(6));
  REQUIRE(raw.get("/spime/test/nodes/a", &registered).is_ok());
  CHECK(registered);
}

TEST_CASE("membership: the fence closes when etcd goes silent, and opens again", "[cluster]") {
  EtcdCluster etcd(1);
  auto a = started(node(etcd, "a", 2s));
  etcd.pause(0);  // no answers at all: the lease may expire unseen
  // Closed within the TTL (the fence's deadline is before the lease's).
  CHECK(eventually([&] { return !a->table().serves(6); }, 3s));
  etcd.resume(0);
  CHECK(eventually([&] { return a->table().serves(6); }, 15s));
}

TEST_CASE("membership: with 2 of 3 etcd members down the node keeps serving", "[cluster]") {
  EtcdCluster etcd(3);
  // A TTL of 6 s: etcd may take two election timeouts (2 s) to say it has no leader.
  auto a = started(node(etcd, "a", 6s));
  etcd.kill9(0);
  etcd.kill9(1);
  // Two TTLs: the lease cannot be renewed, but no member can expire it.
  int closed = 0;
  for (int i = 0; i < 120; ++i) {
    if (!a->table().serves(6)) ++closed;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(closed == 0);
}

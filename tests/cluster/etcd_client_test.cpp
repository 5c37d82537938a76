// The etcd client and watch (engine/cluster/etcd_client.h, etcd_watch.h)
// against real etcd members of the test's own on loopback
// (tests/cluster/etcd_cluster.h): keys as bytes, compare-and-swap, leases,
// watches with history and compaction, and members that go away.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/etcd_watch.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/integration/server_fixture.h"

using spime::api::Status;
using spime::cluster::Compare;
using spime::cluster::EtcdClient;
using spime::cluster::EtcdWatch;
using spime::cluster::KeyValue;
using spime::cluster::prefix_end;
using spime::cluster::Txn;
using spime::cluster::TxnOp;
using spime::cluster::WatchEvent;
using spime::integration::EtcdCluster;
using namespace std::chrono_literals;

namespace {

spime::client::Options quick() {
  spime::client::Options o;
  o.timeout = 3000ms;
  return o;
}

}  // namespace

TEST_CASE("etcd: endpoints and prefix ends", "[cluster][etcd]") {
  std::vector<spime::client::Url> urls;
  std::string error;
  REQUIRE(EtcdClient::parse_endpoints("http://127.0.0.1:2379,http://[::1]:2380", &urls, &error));
  REQUIRE(urls.size() == 2);
  CHECK(urls[1].host == "::1");
  CHECK_FALSE(EtcdClient::parse_endpoints("http://127.0.0.1:2379,", &urls, &error));
  CHECK_THAT(error, Catch::Contains("empty"));
  CHECK_FALSE(EtcdClient::parse_endpoints("127.0.0.1:2379", &urls, &error));
  CHECK_FALSE(EtcdClient::parse_endpoints("", &urls, &error));

  CHECK(prefix_end("/spime/") == "/spime0");
  CHECK(prefix_end(std::string("a\xff", 2)) == "b");
  CHECK(prefix_end(std::string("\xff\xff", 2)) == std::string(1, '\0'));
  CHECK(prefix_end("") == std::string(1, '\0'));
}

TEST_CASE("etcd: keys and values are bytes, with ranges and deletes", "[cluster][etcd]") {
  EtcdCluster etcd(1);
  EtcdClient c(etcd.urls(), quick());
  const std::string binary("v\0\xff\n=", 5);
  std::int64_t rev1 = 0, rev2 = 0;
  REQUIRE(c.put("/t/a", binary, 0, &rev1).is_ok());
  REQUIRE(c.put("/t/b", "2", 0, &rev2).is_ok());
  REQUIRE(c.put("/u/c", "3").is_ok());
  CHECK(rev2 == rev1 + 1);

  std::optional<KeyValue> kv;
  std::int64_t read_rev = 0;
  REQUIRE(c.get("/t/a", &kv, &read_rev).is_ok());
  REQUIRE(kv.has_value());
  CHECK(kv->value == binary);
  CHECK(kv->mod_revision == rev1);
  CHECK(kv->version == 1);
  CHECK(read_rev >= rev2);
  REQUIRE(c.get("/t/none", &kv).is_ok());
  CHECK_FALSE(kv.has_value());

  std::vector<KeyValue> kvs;
  REQUIRE(c.range("/t/", prefix_end("/t/"), &kvs).is_ok());
  REQUIRE(kvs.size() == 2);
  CHECK(kvs[0].key == "/t/a");
  CHECK(kvs[1].key == "/t/b");

  std::int64_t deleted = 0;
  REQUIRE(c.erase("/t/", prefix_end("/t/"), &deleted).is_ok());
  CHECK(deleted == 2);
  REQUIRE(c.range("/t/", prefix_end("/t/"), &kvs).is_ok());
  CHECK(kvs.empty());
  REQUIRE(c.range("/u/c", "", &kvs).is_ok());
  CHECK(kvs.size() == 1);
}

TEST_CASE("etcd: a transaction swaps only on the revision it read", "[cluster][etcd]") {
  EtcdCluster etcd(1);
  EtcdClient c(etcd.urls(), quick());
  // Create only if absent (version 0).
  Txn create{{{"/slots/3a7", Compare::Target::kVersion, Compare::Result::kEqual, 0, {}}},
             {TxnOp::put("/slots/3a7", "a")},
             {}};
  bool succeeded = false;
  REQUIRE(c.txn(create, &succeeded).is_ok());
  CHECK(succeeded);
  REQUIRE(c.txn(create, &succeeded).is_ok());
  CHECK_FALSE(succeeded);

  std::optional<KeyValue> kv;
  REQUIRE(c.get("/slots/3a7", &kv).is_ok());
  const std::int64_t read_at = kv->mod_revision;
  Txn flip{{{"/slots/3a7", Compare::Target::kModRevision, Compare::Result::kEqual, read_at, {}}},
           {TxnOp::put("/slots/3a7", "b"), TxnOp::erase("/moves/3a7")},
           {TxnOp::put("/lost", "yes")}};
  REQUIRE(c.txn(flip, &succeeded).is_ok());
  CHECK(succeeded);
  // The same flip again compares on a revision that has passed: the failure branch runs.
  REQUIRE(c.txn(flip, &succeeded).is_ok());
  CHECK_FALSE(succeeded);
  REQUIRE(c.get("/slots/3a7", &kv).is_ok());
  CHECK(kv->value == "b");
  REQUIRE(c.get("/lost", &kv).is_ok());
  CHECK(kv.has_value());

  Txn by_value{{{"/slots/3a7", Compare::Target::kValue, Compare::Result::kEqual, 0, "b"}},
               {TxnOp::put("/slots/3a7", "c")},
               {}};
  REQUIRE(c.txn(by_value, &succeeded).is_ok());
  CHECK(succeeded);
}

TEST_CASE("etcd: leases keep keys alive until revoked or expired", "[cluster][etcd]") {
  EtcdCluster etcd(1);
  EtcdClient c(etcd.urls(), quick());
  std::int64_t lease = 0, ttl = 0;
  REQUIRE(c.lease_grant(5, &lease, &ttl).is_ok());
  CHECK(lease != 0);
  CHECK(ttl == 5);
  REQUIRE(c.put("/nodes/a", "http://127.0.0.1:1", lease).is_ok());
  std::optional<KeyValue> kv;
  REQUIRE(c.get("/nodes/a", &kv).is_ok());
  REQUIRE(kv.has_value());
  CHECK(kv->lease == lease);
  std::int64_t left = 0;
  REQUIRE(c.lease_keepalive(lease, &left).is_ok());
  CHECK(left > 0);

  REQUIRE(c.lease_revoke(lease).is_ok());
  REQUIRE(c.get("/nodes/a", &kv).is_ok());
  CHECK_FALSE(kv.has_value());
  CHECK(c.lease_keepalive(lease).code() == Status::Code::kNotFound);
  CHECK(c.lease_revoke(lease).is_ok());  // already gone: not an error
  CHECK(c.put("/nodes/b", "x", lease).code() == Status::Code::kNotFound);

  // A lease of 1 s left alone expires, and its keys with it.
  REQUIRE(c.lease_grant(1, &lease).is_ok());
  REQUIRE(c.put("/nodes/c", "x", lease).is_ok());
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {  // at most 5 s
    std::this_thread::sleep_for(100ms);
    REQUIRE(c.get("/nodes/c", &kv).is_ok());
    gone = !kv.has_value();
  }
  CHECK(gone);
  CHECK(c.lease_keepalive(lease).code() == Status::Code::kNotFound);
}

TEST_CASE("etcd: a watch sees changes in order, and history from a revision", "[cluster][etcd]") {
  EtcdCluster etcd(1);
  EtcdClient c(etcd.urls(), quick());
  std::int64_t first = 0;
  REQUIRE(c.put("/w/a", "1", 0, &first).is_ok());

  EtcdWatch live(etcd.urls(), quick());
  REQUIRE(live.open("/w/", prefix_end("/w/"), 0).is_ok());
  REQUIRE(c.put("/w/b", "2").is_ok());
  REQUIRE(c.erase("/w/a").is_ok());
  REQUIRE(c.put("/x/ignored", "3").is_ok());
  REQUIRE(c.put("/w/b", "4").is_ok());

  std::vector<WatchEvent> seen;
  for (int i = 0; i < 50 && seen.size() < 3; ++i) {
    auto batch = live.next(100ms);
    if (batch) seen.insert(seen.end(), batch->events.begin(), batch->events.end());
  }
  REQUIRE(seen.size() == 3);
  CHECK((seen[0].type == WatchEvent::Type::kPut && seen[0].kv.key == "/w/b" &&
         seen[0].kv.value == "2"));
  CHECK((seen[1].type == WatchEvent::Type::kDelete && seen[1].kv.key == "/w/a"));
  CHECK((seen[2].type == WatchEvent::Type::kPut && seen[2].kv.value == "4"));
  CHECK(seen[2].kv.mod_revision > seen[1].kv.mod_revision);
  CHECK(live.revision() >= seen[2].kv.mod_revision);
  CHECK_FALSE(live.next(50ms).has_value());  // nothing more
  CHECK_FALSE(live.ended());

  // From the first revision: the whole history of the prefix, the first put included.
  EtcdWatch history(etcd.urls(), quick());
  REQUIRE(history.open("/w/", prefix_end("/w/"), first).is_ok());
  std::vector<WatchEvent> replay;
  for (int i = 0; i < 50 && replay.size() < 4; ++i) {
    auto batch = history.next(100ms);
    if (batch) replay.insert(replay.end(), batch->events.begin(), batch->events.end());
  }
  REQUIRE(replay.size() == 4);
  CHECK(replay[0].kv.key == "/w/a");
  CHECK(replay[0].kv.mod_revision == first);
}

TEST_CASE("etcd: a watch from a compacted revision is refused with where to start",
          "[cluster][etcd]") {
  EtcdCluster etcd(1);
  EtcdClient c(etcd.urls(), quick());
  std::int64_t old_rev = 0, now = 0;
  REQUIRE(c.put("/k", "1", 0, &old_rev).is_ok());
  REQUIRE(c.put("/k", "2", 0, &now).is_ok());
  // Compaction is an operator's call: through the gateway, as etcdctl would.
  spime::client::HttpClient raw(etcd.urls()[0], quick());
  auto r = raw.request("POST", "/v3/kv/compaction",
                       "{\"revision\":\"" + std::to_string(now) + "\",\"physical\":true}",
                       {{"Content-Type", "application/json"}});
  REQUIRE(r.status == 200);
  EtcdWatch w(etcd.urls(), quick());
  Status s = w.open("/k", "", old_rev);
  // etcd confirms the watch, then cancels it: open() or the next read says so.
  for (int i = 0; i < 50 && s.is_ok() && !w.ended(); ++i) w.next(100ms);  // at most 5 s
  if (s.is_ok()) s = w.status();
  CHECK(s.code() == Status::Code::kConflict);
  CHECK(w.compact_revision() == now);
  CHECK(w.ended());
}

TEST_CASE("etcd: members that cannot answer are passed over", "[cluster][etcd]") {
  EtcdCluster etcd(3);
  // A dead endpoint first: the client goes on to a live member and stays there.
  std::vector<spime::client::Url> urls{
      spime::client::Url{"127.0.0.1", spime::integration::free_loopback_port(), ""}};
  for (const auto& u : etcd.urls()) urls.push_back(u);
  EtcdClient c(urls, quick());
  REQUIRE(c.put("/k", "1").is_ok());
  CHECK(c.current_endpoint() == 1);

  EtcdWatch w(etcd.urls(), quick());
  REQUIRE(w.open("/k", "", 0).is_ok());

  // The member in use dies: the next call goes to another, the watch ends.
  etcd.kill9(0);
  std::optional<KeyValue> kv;
  REQUIRE(c.get("/k", &kv).is_ok());
  CHECK(kv->value == "1");
  CHECK(c.current_endpoint() >= 2);
  bool ended = false;
  for (int i = 0; i < 50 && !ended; ++i) {  // at most 5 s
    w.next(100ms);
    ended = w.ended();
  }
  CHECK(ended);
  CHECK(w.status().code() == Status::Code::kUnavailable);
  REQUIRE(w.open("/k", "", w.revision() + 1).is_ok());  // again, on a live member
  REQUIRE(c.put("/k", "2").is_ok());
  std::optional<spime::cluster::WatchBatch> batch;
  for (int i = 0; i < 50 && !batch; ++i) batch = w.next(100ms);
  REQUIRE(batch);
  CHECK(batch->events.at(0).kv.value == "2");

  // Two of three down: no quorum, so writes fail (bounded by the timeouts).
  etcd.kill9(1);
  spime::client::Options short_wait;
  short_wait.timeout = 1500ms;
  EtcdClient lonely(etcd.urls(), short_wait);
  const auto t0 = std::chrono::steady_clock::now();
  const Status s = lonely.put("/k", "3");
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
}

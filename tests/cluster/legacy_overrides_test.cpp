// Overrides for adopted legacy picos (engine/cluster/legacy_overrides.h)
// against an etcd of the test's own: written in transactions of at most
// kOverridesPerTxn puts, only while the node owns the slot and no move of
// it is planned.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/legacy_overrides.h"
#include "engine/cluster/membership.h"
#include "tests/cluster/etcd_cluster.h"

using spime::api::Status;
using spime::cluster::EtcdClient;
using spime::cluster::KeyValue;
using spime::cluster::kOverridesPerTxn;
using spime::cluster::prefix_end;
using spime::cluster::put_overrides;
using spime::integration::EtcdCluster;

namespace {

std::vector<std::string> legacy_ecis(std::size_t n, char tag) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string eci = std::to_string(i);
    eci.insert(0, 24 - eci.size(), tag);  // 24 characters, as a legacy ECI
    out.push_back(eci);
  }
  return out;
}

std::size_t count_overrides(EtcdClient& kv, const std::string& prefix) {
  std::vector<KeyValue> kvs;
  REQUIRE(kv.range(prefix + "overrides/", prefix_end(prefix + "overrides/"), &kvs).is_ok());
  return kvs.size();
}

}  // namespace

TEST_CASE("put_overrides: every ECI, in transactions etcd takes, while the node owns the slot",
          "[cluster][overrides]") {
  EtcdCluster etcd(1);
  EtcdClient kv(etcd.urls());
  const std::string prefix = spime::cluster::cluster_prefix("o");
  REQUIRE(kv.put(prefix + "slots/3a7", "b").is_ok());
  REQUIRE(kv.put(prefix + "slots/3a8", "a").is_ok());

  // More than two transactions' worth.
  const std::vector<std::string> many = legacy_ecis(2 * kOverridesPerTxn + 7, 'x');
  REQUIRE(put_overrides(kv, prefix, "b", 0x3a7, many).is_ok());
  CHECK(count_overrides(kv, prefix) == many.size());
  std::optional<KeyValue> one;
  REQUIRE(kv.get(prefix + "overrides/" + many.back(), &one).is_ok());
  REQUIRE(one);
  CHECK(one->value == "3a7");

  // Another node's slot: refused, nothing written.
  const std::vector<std::string> other = legacy_ecis(3, 'y');
  CHECK(put_overrides(kv, prefix, "b", 0x3a8, other).code() == Status::Code::kConflict);
  // A slot of b's that is moving: refused too.
  REQUIRE(kv.put(prefix + "moves/3a7", R"({"from":"b","to":"a"})").is_ok());
  CHECK(put_overrides(kv, prefix, "b", 0x3a7, other).code() == Status::Code::kConflict);
  CHECK(count_overrides(kv, prefix) == many.size());

  // Written again (a step that reruns): the same keys, the new slot.
  REQUIRE(kv.erase(prefix + "moves/3a7").is_ok());
  REQUIRE(kv.put(prefix + "slots/3a8", "b").is_ok());
  REQUIRE(put_overrides(kv, prefix, "b", 0x3a8, {many.front()}).is_ok());
  REQUIRE(kv.get(prefix + "overrides/" + many.front(), &one).is_ok());
  REQUIRE(one);
  CHECK(one->value == "3a8");
  CHECK(count_overrides(kv, prefix) == many.size());
}

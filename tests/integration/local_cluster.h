// LocalCluster: the local cluster of issue 22's tests (docs/cluster.md), on
// one machine: 3 etcd members (tests/cluster/etcd_cluster.h), HAProxy as the
// router (tests/cluster/router.h) kept by a route-sync thread in the test
// process, and 3 real `spime serve` engines (server_fixture.h) "a", "b", "c"
// with --threads 1 and the router as their public address, the slots spread
// over them by init_slot_table (`spime cluster init`). HeartbeatLoad: 4
// threads sending heartbeats through its router, and the check that every
// acknowledged one was stored once.
//
// Used by cluster_router_test.cpp and cluster_picos_test.cpp. Loopback only;
// every wait is bounded (the fixtures' own, and each wait here).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/cluster/router.h"
#include "tests/integration/server_fixture.h"

namespace spime::integration {

inline constexpr char kName[] = "t";
inline const std::vector<std::string> kNodes{"a", "b", "c"};

// The cluster: etcd, the slot table spread, the engines, the router and its
// route syncer (in this process).
class LocalCluster {
 public:
  // `lease_ttl`: the engines' (--lease-ttl), in seconds.
  explicit LocalCluster(int lease_ttl = 3);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  SpimeServer& engine(int i) { return *engines_.at(static_cast<std::size_t>(i)); }
  // Starts one more engine, named `node`, with no slots of its own yet.
  SpimeServer& add_engine(const std::string& node);
  EtcdCluster& etcd() { return etcd_; }
  cluster::EtcdClient& kv() { return kv_; }
  const Router& router() const { return router_; }
  ServerOptions options(const std::string& node) const;
  // The first slot engine i owns.
  static cluster::Slot slot_of_node(int i);
  // Whether engine `asked` lists `node` as live; nullopt when it does not answer.
  std::optional<bool> live(const std::string& node, int asked = 1);
  // Whether the router sends `slot` to an engine (anything but its own 503).
  bool routed(cluster::Slot slot) const;
  HttpResult router_get(const std::string& target) const {
    return http_request(router_.port(), "GET", target);
  }
  HttpResult router_post(const std::string& target, const std::string& body) const {
    return http_request(router_.port(), "POST", target, body, "application/json");
  }

 private:
  const int lease_ttl_;
  EtcdCluster etcd_;
  cluster::EtcdClient kv_;
  Router router_;
  std::vector<std::unique_ptr<SpimeServer>> engines_;
  std::atomic<bool> stop_{false};
  std::thread sync_;
};

// 4 senders through the router, each its share of the picos in turn, each
// beat `{"id": "<pico index>-<n>"}` to test:beat; a beat not answered 200 is
// sent again with the same id (at most 400 times, 25 ms apart). Runs until
// stop(); then check() compares what each pico stored (the readings
// ruleset's ids, read on `engine`) with what was acknowledged.
class HeartbeatLoad {
 public:
  HeartbeatLoad(const LocalCluster& cluster, std::vector<std::string> picos);
  ~HeartbeatLoad();

  void stop();

  // Every acknowledged beat stored once, nothing else; how many in all.
  std::size_t check(const std::function<unsigned short(std::size_t)>& port_of);

 private:
  void send(int t);

  const LocalCluster& cluster_;
  const std::vector<std::string> picos_;
  std::atomic<bool> stop_{false};
  std::atomic<int> lost_{0};
  std::mutex mu_;
  std::vector<std::set<std::string>> acked_;
  std::string first_failure_;
  std::vector<std::thread> senders_;
};

}  // namespace spime::integration

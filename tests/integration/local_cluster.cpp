// The local cluster of issue 22's tests and its heartbeat load. See local_cluster.h.
#include "tests/integration/local_cluster.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <utility>

#include "engine/cluster/route_sync.h"
#include "engine/cluster/slot_fill.h"
#include "tests/integration/counter_ruleset.h"
#include "tests/integration/sky.h"

using spime::cluster::slot_text;
using spime::cluster::spread_owner;
using namespace std::chrono_literals;

namespace spime::integration {

LocalCluster::LocalCluster(int lease_ttl) : lease_ttl_(lease_ttl), etcd_(3), kv_(etcd_.urls()) {
  REQUIRE(spime::cluster::init_slot_table(kv_, kName, kNodes).is_ok());
  for (const std::string& node : kNodes) {
    engines_.push_back(std::make_unique<SpimeServer>(options(node)));
  }
  sync_ = std::thread([this] {
    spime::cluster::run_route_sync(router_.sync_options(etcd_, kName), stop_,
                                   [](const std::string&) {});
  });
  // Routed: a slot of each engine gets an engine's answer, not the
  // router's own 503.
  for (int i = 0; i < 3; ++i) {
    REQUIRE(eventually([&] { return routed(slot_of_node(i)); }, 10s));
  }
}

LocalCluster::~LocalCluster() {
  for (auto& e : engines_) e->resume();
  stop_.store(true);
  sync_.join();
}

SpimeServer& LocalCluster::add_engine(const std::string& node) {
  engines_.push_back(std::make_unique<SpimeServer>(options(node)));
  return *engines_.back();
}

ServerOptions LocalCluster::options(const std::string& node) const {
  ServerOptions o;
  o.extra_args = {"--cluster-etcd", etcd_.endpoints(),
                  "--cluster",      kName,
                  "--node",         node,
                  "--lease-ttl",    std::to_string(lease_ttl_),
                  "--threads",      "1",
                  "--public-url",   router_.url()};
  return o;
}

spime::cluster::Slot LocalCluster::slot_of_node(int i) {
  for (unsigned s = 0; s < spime::cluster::kSlotCount; ++s) {
    if (spread_owner(kNodes, static_cast<spime::cluster::Slot>(s)) == kNodes.at(i)) {
      return static_cast<spime::cluster::Slot>(s);
    }
  }
  return 0;
}

std::optional<bool> LocalCluster::live(const std::string& node, int asked) {
  const json s = engine(asked).get("/api/cluster").body;
  if (!s.is_object() || !s.contains("nodes")) return std::nullopt;
  for (const json& n : s.at("nodes")) {
    if (n.at("name") == node && n.at("live") == true) return true;
  }
  return false;
}

bool LocalCluster::routed(spime::cluster::Slot slot) const {
  const HttpResult r = router_get("/sky/cloud/" + slot_text(slot) + std::string(22, 'Q') + "/r/f");
  return r.status != 0 &&
         !(r.status == 503 && r.text.find("no engine serves") != std::string::npos);
}

HeartbeatLoad::HeartbeatLoad(const LocalCluster& cluster, std::vector<std::string> picos)
    : cluster_(cluster), picos_(std::move(picos)), acked_(picos_.size()) {
  for (int t = 0; t < 4; ++t) senders_.emplace_back([this, t] { send(t); });
}

HeartbeatLoad::~HeartbeatLoad() {
  stop();
}

void HeartbeatLoad::stop() {
  stop_.store(true);
  for (auto& s : senders_) {
    if (s.joinable()) s.join();
  }
}

std::size_t HeartbeatLoad::check(const std::function<unsigned short(std::size_t)>& port_of) {
  INFO(first_failure_);
  CHECK(first_failure_.empty());
  CHECK(lost_ == 0);
  std::size_t total = 0;
  for (std::size_t k = 0; k < picos_.size(); ++k) {
    const HttpResult r =
        http_request(port_of(k), "GET", "/sky/cloud/" + picos_[k] + "/" + kReadingsRid + "/ids");
    INFO(describe(r));
    REQUIRE(r.status == 200);
    REQUIRE(r.body.is_array());
    std::multiset<std::string> stored;
    for (const json& id : r.body) stored.insert(id.get<std::string>());
    const std::set<std::string> unique(stored.begin(), stored.end());
    CHECK(unique.size() == stored.size());  // none twice
    CHECK(unique == acked_[k]);             // every acknowledged one, no other
    total += stored.size();
  }
  return total;
}

void HeartbeatLoad::send(int t) {
  for (int n = 0; !stop_.load() && n < 100000; ++n) {
    for (std::size_t k = static_cast<std::size_t>(t); k < picos_.size(); k += 4) {
      const std::string id = std::to_string(k) + "-" + std::to_string(n);
      const std::string target = "/sky/event/" + picos_[k] + "/none/test/beat";
      bool ok = false;
      for (int tries = 0; tries < 400 && !ok; ++tries) {
        const HttpResult r = cluster_.router_post(target, json{{"id", id}}.dump());
        ok = r.status == 200;
        if (!ok) {
          if (r.status != 503) {
            std::lock_guard<std::mutex> lock(mu_);
            if (first_failure_.empty()) first_failure_ = describe(r);
          }
          std::this_thread::sleep_for(25ms);
        }
      }
      if (!ok) {
        ++lost_;
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      acked_[k].insert(id);
    }
  }
}

}  // namespace spime::integration

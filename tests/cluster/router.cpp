#include "tests/cluster/router.h"

#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/cluster/haproxy_config.h"
#include "engine/cluster/haproxy_runtime.h"
#include "tests/integration/server_fixture.h"

namespace spime::integration {

using namespace std::chrono_literals;

Router::Router() : port_(free_loopback_port()), stats_port_(free_loopback_port()) {
  slots_map_ = dir_.write("slots.map", "");
  overrides_map_ = dir_.write("overrides.map", "");
  cluster::HaproxyConfigOptions c;
  c.listen = "127.0.0.1:" + std::to_string(port_);
  c.stats = "127.0.0.1:" + std::to_string(stats_port_);
  c.slots_map = slots_map_;
  c.overrides_map = overrides_map_;
  c.client_timeout_s = c.server_timeout_s = 10;
  const std::string file = dir_.write("haproxy.cfg", cluster::haproxy_config(c));
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{"haproxy", "-db", "-f", file});
  cluster::HaproxyRuntime runtime("127.0.0.1", stats_port_, 500ms);
  std::string answer;
  for (int i = 0; i < 100; ++i) {  // at most about 10 s
    if (runtime.command("show info", &answer).is_ok()) return;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("haproxy did not start:\n" + process_->output());
}

Router::~Router() {
  process_->signal(SIGTERM);
  process_->wait_exit(5s);
}

cluster::RouteSyncOptions Router::sync_options(const EtcdCluster& etcd,
                                               const std::string& cluster) const {
  cluster::RouteSyncOptions o;
  o.etcd = etcd.urls();
  o.cluster = cluster;
  o.haproxy_host = "127.0.0.1";
  o.haproxy_port = stats_port_;
  o.slots_map = slots_map_;
  o.overrides_map = overrides_map_;
  o.http.timeout = 2s;
  return o;
}

}  // namespace spime::integration

// Router: an HAProxy of a test's own (Debian's haproxy, as a child process
// on free loopback ports) with the cluster router's configuration
// (engine/cluster/haproxy_config.h) and empty maps, for route-sync
// (engine/cluster/route_sync.h) to fill.
//
// The constructor waits (at most about 10 s) until HAProxy's runtime API
// answers, or throws std::runtime_error with what HAProxy logged. The
// destructor stops it (SIGTERM, at most 5 s).
//
// Thread-safety: one test thread drives it; its const members from any.
#pragma once

#include <memory>
#include <string>

#include "engine/cluster/route_sync.h"
#include "tests/child_process.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/temp_dir.h"

namespace spime::integration {

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& slots_map() const { return slots_map_; }
  // route-sync's options for the cluster `cluster` kept in `etcd`.
  cluster::RouteSyncOptions sync_options(const EtcdCluster& etcd, const std::string& cluster) const;

 private:
  testing::TempDir dir_;
  unsigned short port_, stats_port_;
  std::string slots_map_, overrides_map_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace spime::integration

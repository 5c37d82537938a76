// The router's maps (docs/cluster.md, "Routing with HAProxy"), computed from
// the cluster's keys in etcd and kept current in HAProxy over its runtime
// API (haproxy_runtime.h): `spime cluster route-sync`.
//
//   slots map      slot ("3a7") -> "HOST:PORT" of the live node that owns it
//   overrides map  ECI -> "HOST:PORT" of the live owner of its slot
//
// A slot whose owner is not live (its lease is gone: stopped, crashed) has
// no entry, so the router answers 503 for it until the owner is back.
//
// Contract:
//   - route_maps() is pure: from every key under cluster_prefix() (one
//     range read), the two maps.
//   - sync_once() reads the keys, writes each map's file (the map's name in
//     HAProxy's configuration is its path; written whole, then renamed, so
//     a restarted HAProxy starts current) and replaces the maps in the
//     running HAProxy atomically. *revision: the etcd revision it reflects.
//   - run() syncs, then watches the cluster's keys and syncs again after
//     each burst of changes (the watch only says when), until `stop` is set
//     (seen within a quarter second); a failed sync is logged and tried
//     again a second later. Every wait is bounded.
//
// Thread-safety: run() on one thread; `stop` from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "channels/client/http_client.h"
#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"

namespace spime::cluster {

struct RouteMaps {
  std::map<std::string, std::string> slots;
  std::map<std::string, std::string> overrides;
};

// "HOST:PORT" of an http://HOST:PORT[/...] URL; "" for anything else (an
// https engine needs TLS in HAProxy's backend: not supported yet).
std::string route_address(const std::string& advertise_url);

RouteMaps route_maps(const std::vector<KeyValue>& keys, const std::string& prefix);

struct RouteSyncOptions {
  std::vector<client::Url> etcd;
  std::string cluster = "default";
  std::string haproxy_host;
  unsigned short haproxy_port = 0;
  std::string slots_map;      // a path: the map's name in HAProxy's configuration
  std::string overrides_map;  // the same
  client::Options http;       // etcd calls' bounds
};

api::Status sync_once(const RouteSyncOptions& options, std::int64_t* revision,
                      RouteMaps* applied = nullptr);

void run_route_sync(const RouteSyncOptions& options, const std::atomic<bool>& stop,
                    const std::function<void(const std::string&)>& log);

}  // namespace spime::cluster

#include "engine/cluster/route_sync.h"

#include <cstdio>
#include <fstream>
#include <thread>

#include "engine/cluster/etcd_watch.h"
#include "engine/cluster/haproxy_runtime.h"
#include "engine/cluster/membership.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

using api::Status;

std::string route_address(const std::string& advertise_url) {
  client::Url url;
  std::string error;
  if (!client::parse_url(advertise_url, &url, &error) || url.tls) return {};
  if (url.host.find(':') != std::string::npos) return {};  // IPv6: set-dst would need brackets
  return url.host + ":" + std::to_string(url.port);
}

RouteMaps route_maps(const std::vector<KeyValue>& keys, const std::string& prefix) {
  std::map<std::string, std::string> owner_of;       // slot text -> node
  std::map<std::string, std::string> address;        // live node -> address
  std::map<std::string, std::string> override_slot;  // eci -> slot text
  for (const KeyValue& k : keys) {
    if (k.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = k.key.substr(prefix.size());
    if (rest.rfind("slots/", 0) == 0) {
      const std::string slot = rest.substr(6);
      if (parse_slot_text(slot)) owner_of[slot] = k.value;
    } else if (rest.rfind("nodes/", 0) == 0) {
      const std::string a = route_address(k.value);
      if (!a.empty()) address[rest.substr(6)] = a;
    } else if (rest.rfind("overrides/", 0) == 0) {
      if (parse_slot_text(k.value)) override_slot[rest.substr(10)] = k.value;
    }
  }
  RouteMaps maps;
  for (const auto& [slot, node] : owner_of) {
    const auto it = address.find(node);
    if (it != address.end()) maps.slots[slot] = it->second;
  }
  for (const auto& [eci, slot] : override_slot) {
    const auto it = maps.slots.find(slot);
    if (it != maps.slots.end()) maps.overrides[eci] = it->second;
  }
  return maps;
}

namespace {

// Writes `entries` as a map file ("key value" lines): whole, then renamed.
Status write_map_file(const std::string& path, const std::map<std::string, std::string>& entries) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [k, v] : entries) out << k << ' ' << v << '\n';
    out.flush();
    if (!out) return Status::internal("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::internal("cannot rename " + tmp);
  return Status::ok();
}

}  // namespace

Status sync_once(const RouteSyncOptions& o, std::int64_t* revision, RouteMaps* applied) {
  EtcdClient etcd(o.etcd, o.http);
  const std::string prefix = cluster_prefix(o.cluster);
  std::vector<KeyValue> keys;
  Status s = etcd.range(prefix, prefix_end(prefix), &keys, revision);
  if (!s.is_ok()) return s;
  RouteMaps maps = route_maps(keys, prefix);
  HaproxyRuntime haproxy(o.haproxy_host, o.haproxy_port, o.http.timeout);
  for (const auto& [path, entries] :
       {std::pair{o.slots_map, &maps.slots}, std::pair{o.overrides_map, &maps.overrides}}) {
    if (s = write_map_file(path, *entries); !s.is_ok()) return s;
    if (s = haproxy.replace_map(path, *entries); !s.is_ok()) return s;
  }
  if (applied) *applied = std::move(maps);
  return Status::ok();
}

void run_route_sync(const RouteSyncOptions& o, const std::atomic<bool>& stop,
                    const std::function<void(const std::string&)>& log) {
  const std::string prefix = cluster_prefix(o.cluster);
  EtcdWatch watch(o.etcd, o.http);
  constexpr auto kTick = std::chrono::milliseconds(250);
  bool dirty = true;
  std::int64_t revision = 0;
  auto last_failure = std::chrono::steady_clock::time_point{};
  while (!stop.load(std::memory_order_acquire)) {
    if (dirty && std::chrono::steady_clock::now() - last_failure >= std::chrono::seconds(1)) {
      RouteMaps maps;
      const Status s = sync_once(o, &revision, &maps);
      if (s.is_ok()) {
        dirty = false;
        log("route-sync: revision " + std::to_string(revision) + ": " +
            std::to_string(maps.slots.size()) + " slots routed, " +
            std::to_string(maps.overrides.size()) + " overrides");
        if (watch.ended()) {
          const Status w = watch.open(prefix, prefix_end(prefix), revision + 1);
          if (!w.is_ok()) {
            log("route-sync: cannot watch etcd: " + w.message());
            dirty = true;
            last_failure = std::chrono::steady_clock::now();
          }
        }
      } else {
        log("route-sync: " + s.message());
        last_failure = std::chrono::steady_clock::now();
      }
    }
    if (watch.ended()) {
      dirty = true;  // reopened after the next full sync
      std::this_thread::sleep_for(kTick);
      continue;
    }
    // Changes come in bursts (a move flips a slot and writes its overrides):
    // take what is there, then sync once.
    if (auto batch = watch.next(kTick)) {
      dirty = true;
      for (int more = 0; more < 100 && watch.next(std::chrono::milliseconds(20)); ++more) {
      }
    }
  }
}

}  // namespace spime::cluster

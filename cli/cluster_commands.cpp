#include "cli/cluster_commands.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cluster_move.h"
#include "cli/engine_client.h"
#include "cli/serve_cluster.h"
#include "cli/table.h"
#include "engine/cluster/haproxy_config.h"
#include "engine/cluster/haproxy_runtime.h"
#include "engine/cluster/membership.h"
#include "engine/cluster/route_sync.h"
#include "engine/cluster/slot_fill.h"

namespace spime::cli {

namespace {

std::string count(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? std::to_string(it->get<long long>()) : "?";
}

Problem status(EngineClient& engine, const ClientFlags& flags) {
  Answer answer = engine.get("/api/cluster");
  if (answer.problem) return answer.problem;
  if (flags.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  const json& b = answer.body;
  if (!b.is_object() || !b.contains("nodes") || !b["nodes"].is_array()) {
    return refused("unexpected answer: " + answer.text);
  }
  print_fields({{"cluster", b.value("cluster", "")},
                {"node", b.value("node", "")},
                {"advertise", b.value("advertise", "")},
                {"fence", b.value("fence", "")},
                {"slots", count(b, "slots")},
                {"revision", count(b, "revision")},
                {"rejoins", count(b, "rejoins")}});
  std::printf("\n");
  Table nodes({"NODE", "LIVE", "SLOTS", "URL"});
  for (const json& n : b["nodes"]) {
    if (!n.is_object()) continue;
    nodes.add({n.value("name", ""), n.value("live", false) ? "yes" : "no", count(n, "slots"),
               n.value("url", "")});
  }
  nodes.print();
  return {};
}

struct RouteSyncArgs {
  std::string etcd;
  std::string cluster = "default";
  std::string haproxy;
  std::string slots_map;
  std::string overrides_map;
  bool once = false;
};

void print_line(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

int route_sync(const RouteSyncArgs& a) {
  cluster::RouteSyncOptions o;
  std::string error;
  if (!cluster::EtcdClient::parse_endpoints(a.etcd, &o.etcd, &error) ||
      !cluster::HaproxyRuntime::parse_address(a.haproxy, &o.haproxy_host, &o.haproxy_port,
                                              &error)) {
    return report("cluster route-sync", usage(error));
  }
  o.cluster = a.cluster;
  o.slots_map = a.slots_map;
  o.overrides_map = a.overrides_map;
  o.http.timeout = std::chrono::seconds(3);
  if (a.once) {
    std::int64_t revision = 0;
    cluster::RouteMaps maps;
    const api::Status s = cluster::sync_once(o, &revision, &maps);
    if (!s.is_ok()) return report("cluster route-sync", refused(s.message()));
    print_line("revision " + std::to_string(revision) + ": " + std::to_string(maps.slots.size()) +
               " slots routed, " + std::to_string(maps.overrides.size()) + " overrides");
    return kExitOk;
  }
  // The loop runs on its own thread; this one waits for SIGINT or SIGTERM.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::atomic<bool> stop{false};
  std::thread loop([&] { cluster::run_route_sync(o, stop, print_line); });
  int sig = 0;
  sigwait(&stop_signals, &sig);
  stop.store(true, std::memory_order_release);
  loop.join();
  return kExitOk;
}

struct InitArgs {
  std::string etcd;
  std::string cluster = "default";
  std::vector<std::string> nodes;
};

// `spime cluster init`: the slots spread over the nodes before they start.
int init(const InitArgs& a) {
  std::vector<client::Url> urls;
  std::string error;
  if (!cluster::EtcdClient::parse_endpoints(a.etcd, &urls, &error)) {
    return report("cluster init", usage(error));
  }
  client::Options http;
  http.timeout = std::chrono::seconds(3);
  cluster::EtcdClient kv(urls, http);
  const api::Status s = cluster::init_slot_table(kv, a.cluster, a.nodes);
  if (s.code() == api::Status::Code::kInvalidArgument) {
    return report("cluster init", usage(s.message()));
  }
  if (!s.is_ok()) return report("cluster init", refused(s.message()));
  Table table({"NODE", "SLOTS", "FROM", "TO"});
  unsigned first = 0;
  for (unsigned slot = 1; slot <= cluster::kSlotCount; ++slot) {
    const std::string& owner = cluster::spread_owner(a.nodes, static_cast<cluster::Slot>(first));
    if (slot < cluster::kSlotCount &&
        cluster::spread_owner(a.nodes, static_cast<cluster::Slot>(slot)) == owner) {
      continue;
    }
    table.add({owner, std::to_string(slot - first),
               cluster::slot_text(static_cast<cluster::Slot>(first)),
               cluster::slot_text(static_cast<cluster::Slot>(slot - 1))});
    first = slot;
  }
  table.print();
  return kExitOk;
}

}  // namespace

void add_cluster_commands(CLI::App& app, Outcome* out) {
  CLI::App* group = app.add_subcommand("cluster", "the cluster this engine is a node of");
  group->require_subcommand(1);
  auto flags = std::make_shared<ClientFlags>();
  CLI::App* cmd =
      group->add_subcommand("status", "the cluster's nodes, their slots, and this node's fence");
  add_client_flags(cmd, flags.get());
  run_with_engine(cmd, out, "cluster status", flags.get(),
                  [flags](EngineClient& engine) { return status(engine, *flags); });

  auto rs = std::make_shared<RouteSyncArgs>();
  CLI::App* sync = group->add_subcommand(
      "route-sync", "keep HAProxy's routing maps current from etcd (docs/cluster.md)");
  sync->add_option("--etcd", rs->etcd, "the etcd members' client URLs")
      ->required()
      ->type_name("URL[,URL...]");
  sync->add_option("--cluster", rs->cluster, "the cluster's name")
      ->default_str("default")
      ->type_name("NAME")
      ->check(cluster_name_check());
  sync->add_option("--haproxy", rs->haproxy, "HAProxy's stats socket (level admin)")
      ->required()
      ->type_name("IPV4:PORT");
  sync->add_option("--slots-map", rs->slots_map,
                   "the slots map's file, as HAProxy's configuration names it")
      ->required()
      ->type_name("PATH");
  sync->add_option("--overrides-map", rs->overrides_map,
                   "the overrides map's file, as HAProxy's configuration names it")
      ->required()
      ->type_name("PATH");
  sync->add_flag("--once", rs->once, "sync once and exit");
  sync->callback([rs, out] { out->run = [rs] { return route_sync(*rs); }; });

  auto in = std::make_shared<InitArgs>();
  CLI::App* init_cmd = group->add_subcommand(
      "init", "spread the slots over named nodes in etcd, before any of them starts");
  init_cmd->add_option("--etcd", in->etcd, "the etcd members' client URLs")
      ->required()
      ->type_name("URL[,URL...]");
  init_cmd->add_option("--cluster", in->cluster, "the cluster's name")
      ->default_str("default")
      ->type_name("NAME")
      ->check(cluster_name_check());
  init_cmd->add_option("--nodes", in->nodes, "the nodes, in the order their ranges go")
      ->required()
      ->delimiter(',')
      ->type_name("NAME[,NAME...]");
  init_cmd->callback([in, out] { out->run = [in] { return init(*in); }; });

  add_cluster_move_command(group, out);

  auto hc = std::make_shared<cluster::HaproxyConfigOptions>();
  CLI::App* config = group->add_subcommand(
      "haproxy-config", "print the router's HAProxy configuration (docs/cluster.md)");
  config->add_option("--listen", hc->listen, "where clients reach the router")
      ->required()
      ->type_name("HOST:PORT");
  config->add_option("--stats", hc->stats, "HAProxy's runtime API, for route-sync")
      ->required()
      ->type_name("IPV4:PORT");
  config->add_option("--slots-map", hc->slots_map, "the slots map's file")
      ->required()
      ->type_name("PATH");
  config->add_option("--overrides-map", hc->overrides_map, "the overrides map's file")
      ->required()
      ->type_name("PATH");
  config->callback([hc, out] {
    out->run = [hc] {
      std::printf("%s", cluster::haproxy_config(*hc).c_str());
      return kExitOk;
    };
  });
}

}  // namespace spime::cli

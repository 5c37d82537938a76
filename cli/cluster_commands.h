// `spime cluster ...`: the cluster an engine is a node of (docs/cluster.md).
//
//   spime cluster status   GET /api/cluster: the cluster, this node, its
//                          fence, the slot table's revision, and every node
//                          with its URL and slot count (--json: the answer)
//   spime cluster route-sync --etcd URLS --haproxy IPV4:PORT
//        --slots-map PATH --overrides-map PATH [--cluster NAME] [--once]
//                          keeps HAProxy's routing maps current from etcd
//                          (engine/cluster/route_sync.h) until SIGINT or
//                          SIGTERM; --once syncs once and exits
//   spime cluster init --etcd URLS --nodes A,B,C [--cluster NAME]
//                          spreads the 4,096 slots over the nodes in
//                          contiguous ranges before any of them starts
//                          (engine/cluster/slot_fill.h); prints the ranges
//   spime cluster move SLOT --to NODE --etcd URLS [--cluster NAME]
//                          moves a slot and its picos to another node
//                          (cli/cluster_move.h)
//   spime cluster haproxy-config --listen HOST:PORT --stats IPV4:PORT
//        --slots-map PATH --overrides-map PATH
//                          prints the router's HAProxy configuration
//                          (engine/cluster/haproxy_config.h)
//
// Exit codes as every client command (command.h): 1 when the engine refuses
// (it is not in a cluster), a sync fails (--once) or the table was filled
// already (init), 2 for bad usage (a bad node name, one named twice), 3 when
// no engine answers. Called once, from main, before parsing.
#pragma once

#include "cli/command.h"

namespace spime::cli {

void add_cluster_commands(CLI::App& app, Outcome* out);

}  // namespace spime::cli

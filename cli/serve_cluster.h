// `spime serve`'s cluster flags (docs/cluster.md, engine/cluster/membership.h):
//
//   --cluster-etcd URL[,URL...]  join the cluster kept in these etcd members
//   --cluster NAME               its name (default "default"; clusters may share an etcd)
//   --node NAME                  this engine's name in it (default: its engine id,
//                                stable for its data directory)
//   --advertise URL              where other engines and the router reach it
//                                (default: the URL it listens on)
//   --lease-ttl S                its lease in etcd, 2..300 s (default 10)
//
// Thread-safety: `spime serve`'s main thread: add_cluster_options at parse
// time, join_cluster once the server listens.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "engine/cluster/membership.h"

namespace spime::cli {

struct ClusterFlags {
  std::string etcd;  // "": not in a cluster
  std::string cluster = "default";
  std::string node;
  std::string advertise;
  long lease_ttl = 10;
};

void add_cluster_options(CLI::App* cmd, ClusterFlags* flags);

// A CLI11 check of a node or cluster name (cluster::valid_cluster_name),
// for every command that takes one.
CLI::Validator cluster_name_check();

// Joins when --cluster-etcd was given (*out stays null otherwise). "" on
// success, else one line for "spime serve: ...".
std::string join_cluster(const ClusterFlags& flags, const std::string& engine_id,
                         const std::string& listen_url, std::unique_ptr<cluster::Membership>* out);

}  // namespace spime::cli

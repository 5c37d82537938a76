#include "cli/serve_cluster.h"

#include "cli/arguments.h"

#include "engine/cluster/etcd_client.h"

namespace spime::cli {

CLI::Validator cluster_name_check() {
  return CLI::Validator(
      [](std::string& name) {
        return cluster::valid_cluster_name(name)
                   ? std::string()
                   : std::string("must be 1 to 64 of A-Z a-z 0-9 _ . -");
      },
      "", "name");
}

void add_cluster_options(CLI::App* cmd, ClusterFlags* flags) {
  cmd->add_option("--cluster-etcd", flags->etcd,
                  "join the cluster kept in these etcd members (docs/cluster.md)")
      ->type_name("URL[,URL...]")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::vector<client::Url> urls;
            std::string error;
            return cluster::EtcdClient::parse_endpoints(text, &urls, &error) ? std::string()
                                                                             : error;
          },
          "", "etcd endpoints"));
  const CLI::Validator name_check = cluster_name_check();
  cmd->add_option("--cluster", flags->cluster, "the cluster's name in etcd")
      ->default_str("default")
      ->type_name("NAME")
      ->check(name_check);
  cmd->add_option("--node", flags->node,
                  "this engine's name in the cluster (default: its engine id)")
      ->type_name("NAME")
      ->check(name_check);
  cmd->add_option("--advertise", flags->advertise,
                  "where other engines and the router reach this one (default: the URL it listens "
                  "on)")
      ->type_name("URL")
      ->check(http_url_check());
  cmd->add_option(
         "--lease-ttl", flags->lease_ttl,
         "seconds the node's etcd lease lasts unrenewed; it serves its slots only while it "
         "holds it")
      ->default_str("10")
      ->type_name("S")
      ->check(CLI::Range(2, 300));
}

std::string join_cluster(const ClusterFlags& flags, const std::string& engine_id,
                         const std::string& listen_url, std::unique_ptr<cluster::Membership>* out) {
  if (flags.etcd.empty()) return {};
  cluster::MembershipOptions o;
  std::string error;
  if (!cluster::EtcdClient::parse_endpoints(flags.etcd, &o.etcd, &error)) {
    return "--cluster-etcd: " + error;
  }
  o.cluster = flags.cluster;
  o.node = flags.node.empty() ? engine_id : flags.node;
  o.advertise = flags.advertise.empty() ? listen_url : flags.advertise;
  o.lease_ttl = std::chrono::seconds(flags.lease_ttl);
  const api::Status s = cluster::Membership::start(std::move(o), out);
  if (!s.is_ok()) return "cannot join the cluster: " + s.message();
  return {};
}

}  // namespace spime::cli

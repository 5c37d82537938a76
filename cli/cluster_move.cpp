#include "cli/cluster_move.h"

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "channels/client/credentials.h"
#include "cli/engine_client.h"
#include "cli/serve_cluster.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slot_mover.h"

namespace spime::cli {

namespace {

struct MoveArgs {
  std::string slot;
  std::string to;
  std::string etcd;
  std::string cluster = "default";
  std::string token_file;
  std::string cafile;
  bool json = false;
};

int run_move(const MoveArgs& a) {
  const char* command = "cluster move";
  cluster::SlotMove move;
  move.cluster = a.cluster;
  move.to = a.to;
  move.slot = *cluster::parse_slot_text(a.slot);  // checked by the option's validator
  std::string error;
  std::vector<client::Url> urls;
  if (!cluster::EtcdClient::parse_endpoints(a.etcd, &urls, &error)) {
    return report(command, usage("--etcd: " + error));
  }
  move.http.timeout = std::chrono::seconds(60);  // a step waits up to 10 s for idle picos
  move.http.max_body_bytes = std::size_t{1} << 30;
  move.http.user_agent = "spime-cli";
  if (!client::apply_credentials(a.cafile, a.token_file, &move.http, &error)) {
    return report(command, usage(error));
  }
  client::Options etcd_http;
  etcd_http.timeout = std::chrono::seconds(3);
  cluster::EtcdClient kv(urls, etcd_http);
  cluster::SlotMoveResult result;
  const api::Status s = cluster::move_slot(kv, move, &result, [&a](const std::string& line) {
    if (!a.json) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  });
  if (!s.is_ok()) {
    const bool unreachable =
        s.code() == api::Status::Code::kUnavailable && s.message().rfind("etcd: ", 0) == 0;
    return report(command, {unreachable ? kExitUnreachable : kExitRefused, s.message()});
  }
  if (a.json) {
    nlohmann::json j = {
        {"slot", a.slot},           {"from", result.from},       {"to", result.to},
        {"picos", result.picos},    {"records", result.records}, {"released", result.released},
        {"ms", result.took.count()}};
    if (!result.released) j["release_error"] = result.release_error;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("moved slot %s from %s to %s: %zu picos, %zu records in %lld ms\n", a.slot.c_str(),
                result.from.c_str(), result.to.c_str(), result.picos, result.records,
                static_cast<long long>(result.took.count()));
    if (!result.released) {
      std::printf(
          "warning: %s kept its copy (%s); it is unreachable, and erased by "
          "POST /api/cluster/slots/%s/release on it\n",
          result.from.c_str(), result.release_error.c_str(), a.slot.c_str());
    }
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void add_cluster_move_command(CLI::App* group, Outcome* out) {
  auto a = std::make_shared<MoveArgs>();
  CLI::App* cmd = group->add_subcommand(
      "move", "move a slot, its picos and their state, to another node (docs/cluster.md)");
  cmd->add_option("slot", a->slot, "the slot: 3 lower-case hex digits, 000 to fff")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) {
            return cluster::parse_slot_text(text) ? std::string()
                                                  : "a slot is 3 lower-case hex digits";
          },
          "SLOT", "slot"));
  cmd->add_option("--to", a->to, "the node that gets it")
      ->required()
      ->type_name("NODE")
      ->check(cluster_name_check());
  cmd->add_option("--etcd", a->etcd, "the etcd members' client URLs")
      ->required()
      ->type_name("URL[,URL...]");
  cmd->add_option("--cluster", a->cluster, "the cluster's name")
      ->default_str("default")
      ->type_name("NAME")
      ->check(cluster_name_check());
  cmd->add_option("--token-file", a->token_file,
                  "the owner's token for the engines (default: $SPIME_TOKEN)")
      ->type_name("FILE");
  cmd->add_option("--cafile", a->cafile, "CA certificates to verify https engines with")
      ->type_name("FILE");
  cmd->add_flag("--json", a->json, "print the outcome as one JSON object");
  cmd->callback([a, out] { out->run = [a] { return run_move(*a); }; });
}

}  // namespace spime::cli

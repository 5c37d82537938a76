#include "cli/cluster_move.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "channels/client/credentials.h"
#include "cli/engine_client.h"
#include "cli/serve_cluster.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/pico_mover.h"
#include "engine/cluster/rebalance.h"
#include "engine/cluster/slot_mover.h"

namespace spime::cli {

namespace {

struct MoveArgs {
  std::string what;  // the slot, or the pico (id or name)
  std::string to;
  std::string etcd;
  std::string cluster = "default";
  std::string token_file;
  std::string cafile;
  bool json = false;
};

// What both moves need: etcd and the engines' HTTP options. An exit code
// (usage) when the arguments do not make them.
struct Connection {
  std::vector<client::Url> etcd;
  client::Options http;
};

std::optional<int> connect(const char* command, const MoveArgs& a, Connection* c) {
  std::string error;
  if (!cluster::EtcdClient::parse_endpoints(a.etcd, &c->etcd, &error)) {
    return report(command, usage("--etcd: " + error));
  }
  c->http.timeout = std::chrono::seconds(60);  // a step waits up to 10 s for idle picos
  c->http.max_body_bytes = std::size_t{1} << 30;
  c->http.user_agent = "spime-cli";
  if (!client::apply_credentials(a.cafile, a.token_file, &c->http, &error)) {
    return report(command, usage(error));
  }
  return std::nullopt;
}

cluster::EtcdClient etcd_client(const Connection& c) {
  client::Options etcd_http;
  etcd_http.timeout = std::chrono::seconds(3);
  return cluster::EtcdClient(c.etcd, etcd_http);
}

std::function<void(const std::string&)> progress(const MoveArgs& a) {
  return [json = a.json](const std::string& line) {
    if (!json) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    }
  };
}

int refused(const char* command, const api::Status& s) {
  const bool unreachable =
      s.code() == api::Status::Code::kUnavailable && s.message().rfind("etcd: ", 0) == 0;
  return report(command, {unreachable ? kExitUnreachable : kExitRefused, s.message()});
}

int run_move(const MoveArgs& a) {
  const char* command = "cluster move";
  Connection c;
  if (std::optional<int> bad = connect(command, a, &c)) return *bad;
  cluster::SlotMove move;
  move.cluster = a.cluster;
  move.to = a.to;
  move.slot = *cluster::parse_slot_text(a.what);  // checked by the option's validator
  move.http = c.http;
  cluster::EtcdClient kv = etcd_client(c);
  cluster::SlotMoveResult result;
  const api::Status s = cluster::move_slot(kv, move, &result, progress(a));
  if (!s.is_ok()) return refused(command, s);
  if (a.json) {
    nlohmann::json j = {
        {"slot", a.what},           {"from", result.from},       {"to", result.to},
        {"picos", result.picos},    {"records", result.records}, {"released", result.released},
        {"ms", result.took.count()}};
    if (!result.released) j["release_error"] = result.release_error;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("moved slot %s from %s to %s: %zu picos, %zu records in %lld ms\n", a.what.c_str(),
                result.from.c_str(), result.to.c_str(), result.picos, result.records,
                static_cast<long long>(result.took.count()));
    if (!result.released) {
      std::printf(
          "warning: %s kept its copy (%s); it is unreachable, and erased by "
          "POST /api/cluster/slots/%s/release on it\n",
          result.from.c_str(), result.release_error.c_str(), a.what.c_str());
    }
  }
  std::fflush(stdout);
  return kExitOk;
}

int run_move_pico(const MoveArgs& a) {
  const char* command = "cluster move-pico";
  Connection c;
  if (std::optional<int> bad = connect(command, a, &c)) return *bad;
  cluster::PicoMove move;
  move.cluster = a.cluster;
  move.pico = a.what;
  move.to = a.to;
  move.http = c.http;
  cluster::EtcdClient kv = etcd_client(c);
  cluster::PicoMoveResult r;
  const api::Status s = cluster::move_pico(kv, move, &r, progress(a));
  if (!s.is_ok()) return refused(command, s);
  if (a.json) {
    nlohmann::json j = {{"pico", r.id},
                        {"from", r.from},
                        {"to", r.to},
                        {"from_slot", cluster::slot_text(r.from_slot)},
                        {"to_slot", cluster::slot_text(r.to_slot)},
                        {"ecis", r.ecis},
                        {"records", r.records},
                        {"released", r.released},
                        {"ms", r.took.count()}};
    if (!r.released) j["release_error"] = r.release_error;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("moved pico %s from %s to %s (slot %s): %zu records, %zu ECIs in %lld ms\n",
                r.id.c_str(), r.from.c_str(), r.to.c_str(), cluster::slot_text(r.to_slot).c_str(),
                r.records, r.ecis, static_cast<long long>(r.took.count()));
    if (!r.released) {
      std::printf(
          "warning: %s kept its copy (%s); it is unreachable, and erased by "
          "POST /api/cluster/picos/%s/release on it\n",
          r.from.c_str(), r.release_error.c_str(), r.id.c_str());
    }
  }
  std::fflush(stdout);
  return kExitOk;
}

int run_rebalance(const MoveArgs& a, std::size_t max_moves, bool dry_run) {
  const char* command = "cluster rebalance";
  Connection c;
  if (std::optional<int> bad = connect(command, a, &c)) return *bad;
  cluster::Rebalance options;
  options.cluster = a.cluster;
  options.max_moves = max_moves;
  options.dry_run = dry_run;
  options.http = c.http;
  cluster::EtcdClient kv = etcd_client(c);
  cluster::RebalanceResult r;
  const auto started = std::chrono::steady_clock::now();
  const api::Status s = cluster::rebalance(kv, options, &r, progress(a));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (!s.is_ok() && r.planned.empty()) return refused(command, s);
  if (a.json) {
    nlohmann::json plan = nlohmann::json::array();
    for (const cluster::PlannedMove& m : r.planned) {
      plan.push_back({{"slot", cluster::slot_text(m.slot)}, {"from", m.from}, {"to", m.to}});
    }
    nlohmann::json j = {{"planned", plan},
                        {"moved", r.moved},
                        {"picos", r.picos},
                        {"ms", static_cast<long long>(ms)}};
    if (!s.is_ok()) j["error"] = s.message();
    std::printf("%s\n", j.dump().c_str());
  } else if (dry_run) {
    for (const cluster::PlannedMove& m : r.planned) {
      std::printf("%s %s -> %s\n", cluster::slot_text(m.slot).c_str(), m.from.c_str(),
                  m.to.c_str());
    }
  } else {
    std::printf("moved %zu of %zu planned slots (%zu picos) in %lld ms\n", r.moved,
                r.planned.size(), r.picos, static_cast<long long>(ms));
  }
  std::fflush(stdout);
  if (!s.is_ok()) return report(command, {kExitRefused, s.message()});
  return kExitOk;
}

// The options every move takes but --to.
void add_connection_options(CLI::App* cmd, MoveArgs* a) {
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
}

// The options both single moves take, after the first argument.
void add_move_options(CLI::App* cmd, MoveArgs* a) {
  cmd->add_option("--to", a->to, "the node that gets it")
      ->required()
      ->type_name("NODE")
      ->check(cluster_name_check());
  add_connection_options(cmd, a);
}

}  // namespace

void add_cluster_move_command(CLI::App* group, Outcome* out) {
  auto a = std::make_shared<MoveArgs>();
  CLI::App* cmd = group->add_subcommand(
      "move", "move a slot, its picos and their state, to another node (docs/cluster.md)");
  cmd->add_option("slot", a->what, "the slot: 3 lower-case hex digits, 000 to fff")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) {
            return cluster::parse_slot_text(text) ? std::string()
                                                  : "a slot is 3 lower-case hex digits";
          },
          "SLOT", "slot"));
  add_move_options(cmd, a.get());
  cmd->callback([a, out] { out->run = [a] { return run_move(*a); }; });

  auto p = std::make_shared<MoveArgs>();
  CLI::App* pico = group->add_subcommand(
      "move-pico",
      "move one pico (without children) and its state to another node; its ECIs keep working");
  pico->add_option("pico", p->what, "the pico: its id, or a name only one pico has")
      ->required()
      ->type_name("ID|NAME");
  add_move_options(pico, p.get());
  pico->callback([p, out] { out->run = [p] { return run_move_pico(*p); }; });

  struct RebalanceArgs {
    MoveArgs common;
    std::size_t max_moves = cluster::kSlotCount;
    bool dry_run = false;
  };
  auto r = std::make_shared<RebalanceArgs>();
  CLI::App* even = group->add_subcommand(
      "rebalance",
      "move slots until every live node has its share (a new node takes its share), one at a time");
  add_connection_options(even, &r->common);
  even->add_option("--max-moves", r->max_moves, "move at most this many slots this run")
      ->check(CLI::Range(std::size_t{1}, std::size_t{cluster::kSlotCount}));
  even->add_flag("--dry-run", r->dry_run, "print the moves, make none");
  even->callback(
      [r, out] { out->run = [r] { return run_rebalance(r->common, r->max_moves, r->dry_run); }; });
}

}  // namespace spime::cli

#include "cli/cluster_commands.h"

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/engine_client.h"
#include "cli/table.h"

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
}

}  // namespace spime::cli

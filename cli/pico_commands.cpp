// `spime pico new|ls|show|rm`: the pico tree, walked through the engine UI
// (pico_tree.h).
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/new_pico.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

json tree_json(const PicoTree& tree, const Pico& p) {
  json children = json::array();
  for (const std::string& eci : p.children) {
    if (const Pico* child = tree.by_ui_eci(eci)) children.push_back(tree_json(tree, *child));
  }
  return {{"name", p.name}, {"eci", p.ui_eci}, {"children", std::move(children)}};
}

Problem list(EngineClient& engine, bool as_json) {
  PicoTree tree;
  if (Problem p = PicoTree::load(engine, &tree)) return p;
  if (as_json) {
    std::printf("%s\n", tree_json(tree, tree.root()).dump().c_str());
    return {};
  }
  Table table({"NAME", "UI ECI", "CHILDREN"});
  tree.each([&table](const Pico& p, int depth) {
    table.add({std::string(2 * static_cast<std::size_t>(depth), ' ') + p.name, p.ui_eci,
               std::to_string(p.children.size())});
  });
  table.print();
  return {};
}

// "all" for a policy that allows everything and denies nothing.
std::string policy_summary(const json& policy) {
  if (!policy.is_object()) return "-";
  const json allow = member(policy, "allow");
  const json deny = member(policy, "deny");
  if (!allow.is_array() || !(deny.is_array() || deny.is_null())) return "?";
  for (const auto& rule : allow) {
    bool star = rule.is_object() && !rule.empty();
    for (const auto& [key, value] : rule.items()) star = star && value == "*";
    if (star && (deny.is_null() || deny.empty())) return "all";
  }
  std::string out = std::to_string(allow.size()) + " allowed";
  if (deny.is_array() && !deny.empty()) out += ", " + std::to_string(deny.size()) + " denied";
  return out;
}

std::string joined_tags(const json& tags) {
  std::string out;
  if (!tags.is_array()) return out;
  for (const auto& t : tags) out += (out.empty() ? "" : ",") + cell(t);
  return out;
}

Problem show(EngineClient& engine, const std::string& name, bool as_json) {
  Pico pico;
  if (Problem p = find_pico(engine, name, &pico)) return p;
  std::string eci;
  if (Problem p = cli_channel(engine, pico.ui_eci, &eci)) return p;
  Answer myself = engine.query(eci, "io.picolabs.wrangler", "myself");
  const std::string id = myself.problem ? "" : text_at(myself.body, "id");
  json details;
  if (Problem p = pico_details(engine, pico.ui_eci, &details)) return p;
  if (as_json) {
    details["name"] = pico.name;
    details["path"] = pico.path;
    if (!id.empty()) details["id"] = id;
    std::printf("%s\n", details.dump().c_str());
    return {};
  }
  print_fields({{"name", pico.name},
                {"path", pico.path},
                {"id", id.empty() ? "-" : id},
                {"ui eci", pico.ui_eci},
                {"parent", pico.parent_ui_eci.empty() ? "-" : pico.parent_ui_eci},
                {"children", std::to_string(pico.children.size())}});
  Table channels({"CHANNEL", "TAGS", "EVENTS", "QUERIES", "FAMILY OF"});
  for (const auto& c : details.value("channels", json::array())) {
    if (!c.is_object()) continue;
    channels.add({cell(member(c, "id")), joined_tags(member(c, "tags")),
                  policy_summary(member(c, "eventPolicy")),
                  policy_summary(member(c, "queryPolicy")),
                  cell(member(c, "familyChannelPicoID"))});
  }
  std::printf("\n");
  channels.print();
  Table rulesets({"RULESET", "URL"});
  for (const auto& r : details.value("rulesets", json::array())) {
    if (r.is_object()) rulesets.add({cell(member(r, "rid")), cell(member(r, "url"))});
  }
  std::printf("\n");
  rulesets.print();
  return {};
}

Problem remove(EngineClient& engine, const std::string& name, bool as_json) {
  Pico pico;
  if (Problem p = find_pico(engine, name, &pico)) return p;
  if (pico.parent_ui_eci.empty()) return refused("the root pico cannot be removed");
  Answer a = engine.event(pico.parent_ui_eci, "engine_ui", "del", {{"eci", pico.ui_eci}});
  if (a.problem) return a.problem;
  Pico parent;
  if (Problem p = find_pico(engine, pico.parent_ui_eci, &parent)) return p;
  for (const std::string& child : parent.children) {
    if (child == pico.ui_eci) return refused("the engine did not remove " + pico.path);
  }
  if (as_json) {
    std::printf("%s\n", a.text.c_str());
  } else {
    std::printf("removed pico %s\n", pico.path.c_str());
  }
  return {};
}

struct PicoArgs {
  ClientFlags client;
  NewPico request;
};

}  // namespace

void add_pico_commands(CLI::App& app, Outcome* out) {
  CLI::App* pico = app.add_subcommand("pico", "make, list, show and remove picos");

  auto made = std::make_shared<PicoArgs>();
  CLI::App* cmd = pico->add_subcommand("new", "make a child pico (of the root by default)");
  cmd->add_option("name", made->request.name, "its name")->required()->type_name("NAME");
  cmd->add_option("--prototype", made->request.prototype, "make it from this prototype")
      ->type_name("PROTOTYPE");
  cmd->add_option("--parent", made->request.parent, "the parent pico (name, path or UI ECI)")
      ->type_name("PICO");
  add_client_flags(cmd, &made->client);
  run_with_engine(cmd, out, "pico new", &made->client, [made](EngineClient& engine) {
    return new_pico(engine, made->request, made->client.json);
  });

  auto listed = std::make_shared<ClientFlags>();
  cmd = pico->add_subcommand("ls", "the pico tree, children indented under their parent");
  add_client_flags(cmd, listed.get());
  run_with_engine(cmd, out, "pico ls", listed.get(),
                  [listed](EngineClient& engine) { return list(engine, listed->json); });

  auto shown = std::make_shared<PicoArgs>();
  cmd = pico->add_subcommand("show", "a pico's id, name, channels and rulesets");
  cmd->add_option("pico", shown->request.name, "its name, path or UI ECI")
      ->required()
      ->type_name("PICO");
  add_client_flags(cmd, &shown->client);
  run_with_engine(cmd, out, "pico show", &shown->client, [shown](EngineClient& engine) {
    return show(engine, shown->request.name, shown->client.json);
  });

  auto removed = std::make_shared<PicoArgs>();
  cmd = pico->add_subcommand("rm",
                             "remove a pico and its whole subtree (its rulesets hear of it first)");
  cmd->add_option("pico", removed->request.name, "its name, path or UI ECI")
      ->required()
      ->type_name("PICO");
  add_client_flags(cmd, &removed->client);
  run_with_engine(cmd, out, "pico rm", &removed->client, [removed](EngineClient& engine) {
    return remove(engine, removed->request.name, removed->client.json);
  });
}

}  // namespace spime::cli

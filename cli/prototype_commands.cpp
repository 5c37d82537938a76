// `spime prototype ls|show|check`: the engine's pico prototypes.
//   GET  /api/prototypes        -> {"prototypes": [{"name", ...}]}
//   GET  /api/prototypes/NAME   -> the resolved prototype; 404 {"error"} when unknown
//   POST /api/prototypes/check  {"file", "yaml"} -> {"ok": true, "prototypes": [...]},
//                               or 400 {"error": "Error: file:line:col: message"}
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

constexpr char kErrorPrefix[] = "Error: ";

struct PrototypeArgs {
  ClientFlags client;
  std::string name;
  std::vector<std::string> files;  // for check
};

Problem list(EngineClient& engine, const PrototypeArgs& a) {
  Answer answer = engine.get("/api/prototypes");
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  Table table({"PROTOTYPE", "DESCRIPTION"});
  const json prototypes = member(answer.body, "prototypes");
  for (const auto& p : prototypes.is_array() ? prototypes : json::array()) {
    table.add({text_at(p, "name"), text_at(p, "description")});
  }
  table.print();
  return {};
}

Problem show(EngineClient& engine, const PrototypeArgs& a) {
  Answer answer = engine.get("/api/prototypes/" + url_encode(a.name));
  if (answer.problem) return answer.problem;
  std::printf("%s\n", a.client.json || answer.body.is_discarded() ? answer.text.c_str()
                                                                  : answer.body.dump(2).c_str());
  return {};
}

Problem check_file(EngineClient& engine, const PrototypeArgs& a, const std::string& file) {
  std::string yaml, error;
  if (!read_file(file, &yaml, &error)) return usage(error);
  Answer answer = engine.post("/api/prototypes/check", {{"file", file}, {"yaml", yaml}});
  if (answer.status == 400 && !text_at(answer.body, "error").empty()) {
    // file:line:col: message, as `spime krl check` prints its problems (the
    // engine's errors begin "Error: ", as the reference's do).
    std::string problem = text_at(answer.body, "error");
    if (problem.rfind(kErrorPrefix, 0) == 0) problem.erase(0, sizeof kErrorPrefix - 1);
    std::fprintf(stderr, "%s\n", problem.c_str());
    return {kExitRefused, ""};
  }
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  std::string names;
  const json prototypes = member(answer.body, "prototypes");
  for (const auto& p : prototypes.is_array() ? prototypes : json::array()) {
    const std::string name = p.is_string() ? p.get<std::string>() : text_at(p, "name");
    names += (names.empty() ? "" : ", ") + name;
  }
  std::printf("%s ok%s\n", file.c_str(), names.empty() ? "" : (": " + names).c_str());
  return {};
}

// Every file is checked (each one's problems printed); the first problem decides the exit.
Problem check(EngineClient& engine, const PrototypeArgs& a) {
  Problem first;
  for (const std::string& file : a.files) {
    Problem p = check_file(engine, a, file);
    if (p && !first) {
      first = p;
    } else if (p && !p.message.empty()) {
      std::fprintf(stderr, "spime prototype check: %s\n", p.message.c_str());
    }
  }
  return first;
}

}  // namespace

void add_prototype_commands(CLI::App& app, Outcome* out) {
  CLI::App* prototype =
      app.add_subcommand("prototype", "the engine's pico prototypes: list, show, check");

  auto listed = std::make_shared<PrototypeArgs>();
  CLI::App* cmd = prototype->add_subcommand("ls", "the prototypes the engine knows");
  add_client_flags(cmd, &listed->client);
  run_with_engine(cmd, out, "prototype ls", &listed->client,
                  [listed](EngineClient& engine) { return list(engine, *listed); });

  auto shown = std::make_shared<PrototypeArgs>();
  cmd = prototype->add_subcommand("show", "one prototype, resolved, as the engine applies it");
  cmd->add_option("name", shown->name, "the prototype")->required()->type_name("NAME");
  add_client_flags(cmd, &shown->client);
  run_with_engine(cmd, out, "prototype show", &shown->client,
                  [shown](EngineClient& engine) { return show(engine, *shown); });

  auto checked = std::make_shared<PrototypeArgs>();
  cmd = prototype->add_subcommand(
      "check", "have the engine check a YAML prototype file (file:line:col: message on error)");
  cmd->add_option("files", checked->files, "the YAML files")->required()->type_name("FILE...");
  add_client_flags(cmd, &checked->client);
  run_with_engine(cmd, out, "prototype check", &checked->client,
                  [checked](EngineClient& engine) { return check(engine, *checked); });
}

}  // namespace spime::cli

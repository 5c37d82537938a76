// `spime prototype ls|show|check`: the engine's pico prototypes.
//   GET  /api/prototypes        -> {"prototypes": [{"name", ...}]}
//   GET  /api/prototypes/NAME   -> the resolved prototype; 404 {"error"} when unknown
//   POST /api/prototypes/check  {"file", "yaml"} -> {"ok": true, "prototypes": [...]},
//                               or 400 {"error": "Error: file:line:col: message"}
// `check` without an engine to ask checks the files here, against this
// install's rulesets/ and prototypes/ (as `spime serve` would load them).
#include <cstdio>
#include <filesystem>

#include <stdlib.h>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/install_paths.h"
#include "cli/table.h"
#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/store/store.h"

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

// "FILE ok: a, b" (or the engine's JSON), as both ways of checking print it.
void print_checked(const PrototypeArgs& a, const std::string& file,
                   const std::vector<std::string>& names) {
  if (a.client.json) {
    std::printf("%s\n", json{{"ok", true}, {"prototypes", names}}.dump().c_str());
    return;
  }
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  std::printf("%s ok%s\n", file.c_str(), list.empty() ? "" : (": " + list).c_str());
}

// The files checked here when no engine answers: this install's rulesets
// (compiled into a temporary store, removed at the end) and prototypes, as
// `spime serve` loads them by default.
class OfflineCheck {
 public:
  ~OfflineCheck() {
    registry_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Problem open() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "spime-prototype-check-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return refused("cannot make a temporary directory");
    dir_ = pattern;
    store::Store::Options options;
    options.sync_commits = false;
    std::string error;
    store_ = store::Store::open(dir_, options, &error);
    if (!store_) return refused(error);
    registry_ = std::make_unique<runtime::RulesetRegistry>(store_.get());
    for (const std::string& e : registry_->load_directory(default_rulesets_dir()))
      std::fprintf(stderr, "warning: %s\n", e.c_str());
    catalog_.load_directory(*registry_);
    return {};
  }
  Problem check(const PrototypeArgs& a, const std::string& file, const std::string& yaml) {
    std::vector<std::string> names;
    runtime::PrototypeError error;
    if (!catalog_.check(file, yaml, *registry_, &names, &error)) {
      std::fprintf(stderr, "%s\n", error.to_string().c_str());
      return {kExitRefused, ""};
    }
    print_checked(a, file, names);
    return {};
  }

 private:
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<runtime::RulesetRegistry> registry_;
  runtime::PrototypeCatalog catalog_{default_prototypes_dir()};
};

// Asks the engine; without one (it does not answer), checks here from then on.
Problem check_file(EngineClient& engine, const PrototypeArgs& a, const std::string& file,
                   std::unique_ptr<OfflineCheck>* offline) {
  std::string yaml, error;
  if (!read_file(file, &yaml, &error)) return usage(error);
  if (!*offline) {
    Answer answer = engine.post("/api/prototypes/check", {{"file", file}, {"yaml", yaml}});
    if (answer.status == 400 && !text_at(answer.body, "error").empty()) {
      // file:line:col: message, as `spime krl check` prints its problems (the
      // engine's errors begin "Error: ", as the reference's do).
      std::string problem = text_at(answer.body, "error");
      if (problem.rfind(kErrorPrefix, 0) == 0) problem.erase(0, sizeof kErrorPrefix - 1);
      std::fprintf(stderr, "%s\n", problem.c_str());
      return {kExitRefused, ""};
    }
    if (answer.problem.exit_code != kExitUnreachable) {
      if (answer.problem) return answer.problem;
      if (a.client.json) {
        std::printf("%s\n", answer.text.c_str());
        return {};
      }
      std::vector<std::string> names;
      const json prototypes = member(answer.body, "prototypes");
      for (const auto& p : prototypes.is_array() ? prototypes : json::array())
        names.push_back(p.is_string() ? p.get<std::string>() : text_at(p, "name"));
      print_checked(a, file, names);
      return {};
    }
    *offline = std::make_unique<OfflineCheck>();
    if (Problem p = (*offline)->open()) return p;
  }
  return (*offline)->check(a, file, yaml);
}

// Every file is checked (each one's problems printed); the first problem decides the exit.
Problem check(EngineClient& engine, const PrototypeArgs& a) {
  Problem first;
  std::unique_ptr<OfflineCheck> offline;
  for (const std::string& file : a.files) {
    Problem p = check_file(engine, a, file, &offline);
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
      "check",
      "check YAML prototype files (file:line:col: message on error): by the engine at --url, "
      "or, when none answers, here against this install's rulesets/ and prototypes/");
  cmd->add_option("files", checked->files, "the YAML files")->required()->type_name("FILE...");
  add_client_flags(cmd, &checked->client);
  run_with_engine(cmd, out, "prototype check", &checked->client,
                  [checked](EngineClient& engine) { return check(engine, *checked); });
}

}  // namespace spime::cli

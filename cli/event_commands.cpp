// `spime event` and `spime query`: one event or one query to a pico, named
// (its spime-cli channel) or by any ECI (used as it is); see pico_tree.h.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

struct EventArgs {
  ClientFlags client;
  std::string target, type, attrs = "{}";
};

struct QueryArgs {
  ClientFlags client;
  std::string target, rid, function;
  std::vector<std::string> args;
};

// The directives of an event answer, one per line.
void print_directives(const json& answer) {
  const json directives = member(answer, "directives");
  if (!directives.is_array() || directives.empty()) {
    std::printf("no directives\n");
    return;
  }
  Table table({"DIRECTIVE", "OPTIONS"});
  for (const auto& d : directives) {
    if (d.is_object()) table.add({cell(member(d, "name")), member(d, "options").dump()});
  }
  table.print();
}

Problem send_event(EngineClient& engine, const EventArgs& a) {
  std::string domain, type, error;
  json attrs;
  if (!split_event_type(a.type, &domain, &type, &error)) return usage(error);
  if (!json_object_argument(a.attrs, "--attrs", &attrs, &error)) return usage(error);
  std::string eci;
  if (Problem p = target_eci(engine, a.target, &eci)) return p;
  Answer answer = engine.event(eci, domain, type, attrs);
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
  } else {
    print_directives(answer.body);
  }
  return {};
}

Problem run_query(EngineClient& engine, const QueryArgs& a) {
  json args;
  std::string error;
  if (!assignments(a.args, &args, &error)) return usage(error);
  std::string eci;
  if (Problem p = target_eci(engine, a.target, &eci)) return p;
  Answer answer = engine.query(eci, a.rid, a.function, args);
  if (answer.problem) return answer.problem;
  if (a.client.json || answer.body.is_discarded()) {
    std::printf("%s\n", answer.text.c_str());  // as sent (.txt and .html answer text)
  } else if (answer.body.is_string()) {
    std::printf("%s\n", answer.body.get<std::string>().c_str());
  } else {
    std::printf("%s\n", answer.body.dump(2).c_str());
  }
  return {};
}

}  // namespace

void add_event_commands(CLI::App& app, Outcome* out) {
  auto e = std::make_shared<EventArgs>();
  CLI::App* cmd = app.add_subcommand("event", "send an event to a pico and print its directives");
  cmd->add_option("pico", e->target, "the pico (name, path or UI ECI) or any ECI")
      ->required()
      ->type_name("PICO|ECI");
  cmd->add_option("type", e->type, "the event")->required()->type_name("DOMAIN:TYPE");
  cmd->add_option("--attrs", e->attrs, "its attributes: a JSON object, or @FILE holding one")
      ->type_name("JSON|@FILE");
  add_client_flags(cmd, &e->client);
  run_with_engine(cmd, out, "event", &e->client,
                  [e](EngineClient& engine) { return send_event(engine, *e); });

  auto q = std::make_shared<QueryArgs>();
  cmd = app.add_subcommand("query", "call a function a pico's ruleset shares and print the answer");
  cmd->add_option("pico", q->target, "the pico (name, path or UI ECI) or any ECI")
      ->required()
      ->type_name("PICO|ECI");
  cmd->add_option("rid", q->rid, "the ruleset")->required()->type_name("RID");
  cmd->add_option("function", q->function, "the function it shares")
      ->required()
      ->type_name("FUNCTION");
  cmd->add_option("args", q->args,
                  "its arguments; a VALUE that parses as JSON is that value, else a string")
      ->type_name("KEY=VALUE...");
  add_client_flags(cmd, &q->client);
  run_with_engine(cmd, out, "query", &q->client,
                  [q](EngineClient& engine) { return run_query(engine, *q); });
}

}  // namespace spime::cli

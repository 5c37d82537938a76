// `spime ruleset ls|flush|install`: rulesets as the engine UI sees them.
// The engine has no route listing every registered ruleset, so `ls` shows a
// pico's installed rulesets (the root's by default: the UI's `pico` query,
// ctx:rulesets); `flush` and `install` raise the UI's engine_ui:flush and
// engine_ui:install on the pico's UI channel.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

struct RulesetArgs {
  ClientFlags client;
  std::string pico, url, config;
};

Problem pico_or_root(EngineClient& engine, const std::string& name, Pico* out) {
  return name.empty() ? root_pico(engine, out) : find_pico(engine, name, out);
}

// The url a ruleset of the pico was installed from; "" when not installed.
std::string url_of(const json& details, const std::string& rid) {
  for (const auto& r : details.value("rulesets", json::array())) {
    if (text_at(r, "rid") == rid) return text_at(r, "url");
  }
  return "";
}

std::string rid_from(const json& details, const std::string& url) {
  for (const auto& r : details.value("rulesets", json::array())) {
    if (text_at(r, "url") == url) return text_at(r, "rid");
  }
  return "";
}

// A url as given, or a local path as a file:// url.
std::string as_url(const std::string& text) {
  if (text.find("://") != std::string::npos) return text;
  std::error_code ec;
  return "file://" + std::filesystem::absolute(text, ec).lexically_normal().string();
}

Problem list(EngineClient& engine, const RulesetArgs& a) {
  Pico pico;
  if (Problem p = pico_or_root(engine, a.pico, &pico)) return p;
  json details;
  if (Problem p = pico_details(engine, pico.ui_eci, &details)) return p;
  const json rulesets = details.value("rulesets", json::array());
  if (a.client.json) {
    std::printf("%s\n", rulesets.dump().c_str());
    return {};
  }
  Table table({"RULESET", "URL"});
  for (const auto& r : rulesets) {
    if (r.is_object()) table.add({cell(member(r, "rid")), cell(member(r, "url"))});
  }
  table.print();
  return {};
}

Problem flush(EngineClient& engine, const RulesetArgs& a) {
  Pico pico;
  if (Problem p = pico_or_root(engine, a.pico, &pico)) return p;
  std::string url = a.url;
  if (url.find("://") == std::string::npos) {
    json details;
    if (Problem p = pico_details(engine, pico.ui_eci, &details)) return p;
    url = url_of(details, a.url);
    if (url.empty()) {
      return refused("no ruleset " + a.url + " on " + pico.path +
                     ": give its URL, or --pico a pico that has it");
    }
  }
  Answer answer = engine.event(pico.ui_eci, "engine_ui", "flush", {{"url", url}});
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
  } else {
    std::printf("flushed %s\n", url.c_str());
  }
  return {};
}

Problem install(EngineClient& engine, const RulesetArgs& a) {
  json attrs = {{"url", as_url(a.url)}};
  if (!a.config.empty()) {
    std::string error;
    json config;
    if (!json_object_argument(a.config, "--config", &config, &error)) return usage(error);
    attrs["config"] = config;
  }
  Pico pico;
  if (Problem p = find_pico(engine, a.pico, &pico)) return p;
  Answer answer = engine.event(pico.ui_eci, "engine_ui", "install", attrs);
  if (answer.problem) return answer.problem;
  json details;
  if (Problem p = pico_details(engine, pico.ui_eci, &details)) return p;
  const std::string rid = rid_from(details, attrs["url"].get<std::string>());
  if (rid.empty()) {
    return refused("the engine did not install " + attrs["url"].get<std::string>() + " on " +
                   pico.path + " (`spime krl check FILE` checks a ruleset)");
  }
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
  } else {
    std::printf("installed %s on %s\n", rid.c_str(), pico.path.c_str());
  }
  return {};
}

}  // namespace

void add_ruleset_commands(CLI::App& app, Outcome* out) {
  CLI::App* ruleset = app.add_subcommand("ruleset", "list, flush and install rulesets");

  auto listed = std::make_shared<RulesetArgs>();
  CLI::App* cmd = ruleset->add_subcommand("ls", "the rulesets installed on a pico");
  cmd->add_option("--pico", listed->pico, "the pico (name, path or UI ECI; default: the root)")
      ->type_name("PICO");
  add_client_flags(cmd, &listed->client);
  run_with_engine(cmd, out, "ruleset ls", &listed->client,
                  [listed](EngineClient& engine) { return list(engine, *listed); });

  auto flushed = std::make_shared<RulesetArgs>();
  cmd = ruleset->add_subcommand("flush", "compile a registered ruleset again from its URL");
  cmd->add_option("ruleset", flushed->url, "its URL, or its RID when --pico has it installed")
      ->required()
      ->type_name("URL|RID");
  cmd->add_option("--pico", flushed->pico,
                  "the pico whose RID is meant (name, path or UI ECI; default: the root)")
      ->type_name("PICO");
  add_client_flags(cmd, &flushed->client);
  run_with_engine(cmd, out, "ruleset flush", &flushed->client,
                  [flushed](EngineClient& engine) { return flush(engine, *flushed); });

  auto installed = std::make_shared<RulesetArgs>();
  cmd = ruleset->add_subcommand("install", "install a ruleset on a pico");
  cmd->add_option("pico", installed->pico, "the pico (name, path or UI ECI)")
      ->required()
      ->type_name("PICO");
  cmd->add_option("url", installed->url,
                  "the ruleset's URL (http://, https://, file://; a local path becomes file://)")
      ->required()
      ->type_name("URL");
  cmd->add_option("--config", installed->config,
                  "its configuration: a JSON object, or @FILE holding one")
      ->type_name("JSON|@FILE");
  add_client_flags(cmd, &installed->client);
  run_with_engine(cmd, out, "ruleset install", &installed->client,
                  [installed](EngineClient& engine) { return install(engine, *installed); });
}

}  // namespace spime::cli

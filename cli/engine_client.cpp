#include "cli/engine_client.h"

#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "channels/client/credentials.h"

namespace spime::cli {

namespace {

// Long enough for a schedule that creates picos; an engine that takes longer
// is as good as gone for a command line.
constexpr auto kTimeout = std::chrono::seconds(30);

std::string shorten(const std::string& s) {
  return s.size() <= 300 ? s : s.substr(0, 300) + "...";
}

}  // namespace

void add_client_flags(CLI::App* command, ClientFlags* flags) {
  command->add_option("--url", flags->url, "the engine's URL: http[s]://HOST[:PORT][/BASE]")
      ->envname(kUrlEnvironment)
      ->default_str(kDefaultUrl)
      ->type_name("URL");
  command->add_flag("--json", flags->json, "print the engine's JSON instead of a table");
  command->add_option("--cafile", flags->cafile, "https: verify the engine with these CAs (PEM)")
      ->type_name("FILE");
  command
      ->add_option(
          "--token-file", flags->token_file,
          std::string("the owner's token (first line); default: $") + client::kTokenEnvironment)
      ->type_name("FILE");
}

int report(const std::string& command, const Problem& p) {
  if (!p.message.empty())
    std::fprintf(stderr, "spime %s: %s\n", command.c_str(), p.message.c_str());
  return p.exit_code;
}

int with_engine(const std::string& command, const ClientFlags& flags,
                const std::function<Problem(EngineClient&)>& body) {
  Problem problem;
  std::unique_ptr<EngineClient> engine = EngineClient::open(flags, &problem);
  if (engine) problem = body(*engine);
  std::fflush(stdout);
  return report(command, problem);
}

void run_with_engine(CLI::App* cmd, Outcome* out, const std::string& name, const ClientFlags* flags,
                     std::function<Problem(EngineClient&)> body) {
  cmd->callback([out, name, flags, body] {
    out->run = [name, flags, body] { return with_engine(name, *flags, body); };
  });
}

std::unique_ptr<EngineClient> EngineClient::open(const ClientFlags& flags, Problem* problem) {
  client::Url url;
  std::string error;
  if (!client::parse_url(flags.url, &url, &error)) {
    *problem = usage("--url: " + error);
    return nullptr;
  }
  client::Options options;
  options.timeout = kTimeout;
  options.user_agent = "spime-cli";
  if (!client::apply_credentials(flags.cafile, flags.token_file, &options, &error)) {
    *problem = usage(error);
    return nullptr;
  }
  std::string text = flags.url;
  while (text.size() > 7 && text.back() == '/') text.pop_back();
  return std::unique_ptr<EngineClient>(
      new EngineClient(std::move(url), std::move(text), std::move(options)));
}

EngineClient::EngineClient(client::Url url, std::string url_text, client::Options options)
    : url_text_(std::move(url_text)), options_(options), http_(std::move(url), options) {}

Answer EngineClient::exchange(const std::string& method, const std::string& target,
                              const std::string& body) {
  client::Headers headers;
  if (method == "POST") headers.emplace_back("Content-Type", "application/json");
  client::Response r = http_.request(method, target, body, headers);
  Answer a;
  if (!r.ok()) {
    a.problem = {kExitUnreachable, "cannot reach the engine at " + url_text_ + ": " + r.error +
                                       " (is `spime serve` running? set --url or " +
                                       kUrlEnvironment + ")"};
    return a;
  }
  a.status = r.status;
  a.text = std::move(r.body);
  a.body = json::parse(a.text, nullptr, /*allow_exceptions=*/false);
  if (a.status < 200 || a.status > 299) {
    std::string why = a.body.is_object() && a.body.contains("error") && a.body["error"].is_string()
                          ? a.body["error"].get<std::string>()
                          : shorten(a.text);
    a.problem = refused(why);
  }
  return a;
}

Answer EngineClient::get(const std::string& target) {
  return exchange("GET", target, "");
}

Answer EngineClient::post(const std::string& target, const json& body) {
  return exchange("POST", target, body.dump());
}

Answer EngineClient::event(const std::string& eci, const std::string& domain,
                           const std::string& type, const json& attrs) {
  return post(
      "/sky/event/" + url_encode(eci) + "/none/" + url_encode(domain) + "/" + url_encode(type),
      attrs);
}

Answer EngineClient::query(const std::string& eci, const std::string& rid, const std::string& name,
                           const json& args) {
  return post("/sky/cloud/" + url_encode(eci) + "/" + url_encode(rid) + "/" + url_encode(name),
              args);
}

}  // namespace spime::cli

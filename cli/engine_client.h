// EngineClient: how the client commands (pico, event, query, ruleset, ...)
// talk to a running engine: the sky API and /api routes over one keep-alive
// spime::client::HttpClient, every answer turned into an exit code.
//
//   - A 2xx answer is success; its body is parsed as JSON (Answer::body is
//     discarded when it is not JSON; Answer::text has it as sent).
//   - A 4xx or 5xx answer is a refusal: kExitRefused, with the engine's own
//     error text (`{"error": ...}`) as the message.
//   - No answer (connection refused, reset, timed out) is kExitUnreachable,
//     with a message that says what to do.
//
// Thread-safety: one EngineClient per thread (it holds one connection).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "channels/client/http_client.h"
#include "cli/command.h"

namespace spime::cli {

using json = nlohmann::json;

constexpr const char* kDefaultUrl = "http://127.0.0.1:3000";
constexpr const char* kUrlEnvironment = "SPIME_URL";

// --url, --json, --cafile and --token-file: every client command has them
// (add_client_flags). An https engine is verified with --cafile (default:
// the system's CAs); the owner's token comes from --token-file or
// $SPIME_TOKEN (channels/client/credentials.h).
struct ClientFlags {
  std::string url = kDefaultUrl;
  bool json = false;
  std::string cafile;
  std::string token_file;
};
void add_client_flags(CLI::App* command, ClientFlags* flags);

// A failure and the exit code it maps to; exit_code kExitOk means none.
struct Problem {
  int exit_code = kExitOk;
  std::string message;
  explicit operator bool() const { return exit_code != kExitOk; }
};
inline Problem refused(std::string message) {
  return {kExitRefused, std::move(message)};
}
inline Problem usage(std::string message) {
  return {kExitUsage, std::move(message)};
}

// Prints "spime <command>: <message>" on stderr (nothing when the message is
// empty: the command printed it); returns p's exit code.
int report(const std::string& command, const Problem& p);

struct Answer {
  Problem problem;
  int status = 0;
  json body;  // discarded (is_discarded()) when the answer is not JSON
  std::string text;
};

class EngineClient {
 public:
  // The engine at flags.url; a url that does not parse is a usage problem.
  static std::unique_ptr<EngineClient> open(const ClientFlags& flags, Problem* problem);

  const std::string& url() const { return url_text_; }
  // The client's options (timeout, CA file, token), for a stream beside it.
  const client::Options& options() const { return options_; }

  Answer get(const std::string& target);
  Answer post(const std::string& target, const json& body);
  // POST /sky/event/<eci>/none/<domain>/<type>, attrs as the JSON body.
  Answer event(const std::string& eci, const std::string& domain, const std::string& type,
               const json& attrs);
  // POST /sky/cloud/<eci>/<rid>/<name>, args as the JSON body.
  Answer query(const std::string& eci, const std::string& rid, const std::string& name,
               const json& args = json::object());

 private:
  EngineClient(client::Url url, std::string url_text, client::Options options);
  Answer exchange(const std::string& method, const std::string& target, const std::string& body);

  std::string url_text_;
  client::Options options_;
  client::HttpClient http_;
};

// The body of a client command: opens the engine at flags.url, runs `body`
// with it and reports the Problem it returns under `command` (exit code 0
// when there is none).
int with_engine(const std::string& command, const ClientFlags& flags,
                const std::function<Problem(EngineClient&)>& body);

// Makes `cmd`'s callback set out->run to with_engine(name, *flags, body).
// *flags must live as long as `body` (keep both in the state it captures).
void run_with_engine(CLI::App* cmd, Outcome* out, const std::string& name, const ClientFlags* flags,
                     std::function<Problem(EngineClient&)> body);

using client::url_encode;

}  // namespace spime::cli

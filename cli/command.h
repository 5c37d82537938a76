// The spime command line: one CLI11 app (main.cpp) to which each file adds
// its group of commands, Redis-style: serve_command.cpp, krl_command.cpp,
// pico_commands.cpp, event_commands.cpp, ruleset_commands.cpp,
// prototype_commands.cpp, collection_commands.cpp, log_commands.cpp,
// device_commands.cpp. Every command and option carries its help text;
// `spime --help` lists the commands, `spime <command> --help` explains one.
//
// A command's CLI11 callback only records what to run (Outcome::run); main
// runs it once parsing succeeded, so a parse error never runs anything.
//
// Exit codes scripts can rely on (README "The command line"):
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace spime::cli {

constexpr int kExitOk = 0;
// The engine refused (HTTP 4xx/5xx), a KRL check or run failed, or a pico
// name is unknown or ambiguous.
constexpr int kExitRefused = 1;
// Bad usage: CLI11's parse errors, a malformed argument.
constexpr int kExitUsage = 2;
// No engine answered at --url (refused, reset, timed out).
constexpr int kExitUnreachable = 3;

// What the parsed command line asks for: the command to run, or nothing
// (then main answers with a usage error).
struct Outcome {
  std::function<int()> run;
};

// Each adds its commands, their options and help to `app`; a command's
// callback sets out->run. Called once, from main, before parsing.
void add_serve_command(CLI::App& app, Outcome* out);
void add_krl_commands(CLI::App& app, Outcome* out);
void add_pico_commands(CLI::App& app, Outcome* out);
void add_event_commands(CLI::App& app, Outcome* out);  // event, query
void add_ruleset_commands(CLI::App& app, Outcome* out);
void add_prototype_commands(CLI::App& app, Outcome* out);
void add_collection_commands(CLI::App& app, Outcome* out);  // collection, status
void add_log_commands(CLI::App& app, Outcome* out);         // violations, battery
void add_device_commands(CLI::App& app, Outcome* out);

// Reads a whole file; false with a message on error.
bool read_file(const std::string& path, std::string* out, std::string* error);

}  // namespace spime::cli

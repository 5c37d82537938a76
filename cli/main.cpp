// The spime binary: `spime <command> ...`. The command table is the CLI11 app
// the groups below fill in (command.h); this file parses and runs.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/backup_command.h"
#include "cli/command.h"
#include "cli/open_files.h"
#include "devices/hold.h"
#include "devices/simulate.h"
#include "devices/stream_watch.h"

namespace {

using spime::cli::Outcome;

// `spime devices simulate` (devices/simulate.h): the fleet simulator; and
// `spime devices hold` (devices/hold.h): many keep-alive sensor connections;
// `spime devices watch` (devices/stream_watch.h): many live event streams.
void add_devices_group(CLI::App& app, Outcome* out) {
  spime::devices::add_devices_commands(app, &out->run);
  spime::devices::add_hold_command(app, &out->run);
  spime::devices::add_watch_command(app, &out->run);
}

// The groups of commands, in the order `spime --help` lists them.
void (*const kGroups[])(CLI::App&, Outcome*) = {
    spime::cli::add_serve_command,       spime::cli::add_krl_commands,
    spime::cli::add_pico_commands,       spime::cli::add_event_commands,
    spime::cli::add_ruleset_commands,    spime::cli::add_prototype_commands,
    spime::cli::add_collection_commands, spime::cli::add_log_commands,
    spime::cli::add_device_commands,     add_devices_group,
    spime::cli::add_backup_command,
};

// One command per command line: a word after the command is never taken
// for another command of the table (`spime collection ls battery` lists the
// collection named battery). Without a maximum of one, CLI11 looks a word
// up among the parents' subcommands once a command's positionals are
// optional or filled, and runs that one instead.
void one_command_each(CLI::App* app) {
  app->require_subcommand(static_cast<int>(app->get_require_subcommand_min()), 1);
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) one_command_each(sub);
}

const char kFooter[] =
    "Client commands talk to a running engine at --url (default http://127.0.0.1:3000,\n"
    "or the environment variable SPIME_URL); --json prints the engine's JSON.\n"
    "Exit codes: 0 ok; 1 refused by the engine (or a KRL check failed, a name is\n"
    "unknown or ambiguous); 2 bad usage; 3 cannot reach the engine.";

}  // namespace

int main(int argc, char** argv) {
  // `spime serve` holds a connection per client, `spime devices hold` opens
  // thousands: both need more descriptors than the usual soft limit.
  spime::cli::raise_open_files_limit();
  CLI::App app{"spime: a pico engine (KRL, the pico-engine HTTP API) and its client.", "spime"};
  app.footer(kFooter);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  Outcome outcome;
  for (auto add : kGroups) add(app, &outcome);
  one_command_each(&app);

  const std::string first = argc > 1 ? argv[1] : "";
  if (first == "help") {  // as --help (not listed: --help is the documented way)
    std::printf("%s", app.help().c_str());
    return spime::cli::kExitOk;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and answers 0; every parse error is bad usage.
    return app.exit(e) == 0 ? spime::cli::kExitOk : spime::cli::kExitUsage;
  }
  if (outcome.run) return outcome.run();
  // A group (or nothing) was named, not a command: say so, with its help.
  CLI::App* named = &app;
  std::string above, words = "spime";
  while (!named->get_subcommands().empty()) {
    named = named->get_subcommands().front();
    above = words;
    words += " " + named->get_name();
  }
  std::fprintf(stderr, "%s: a command is required\n\n%s", words.c_str(),
               named->help(above).c_str());
  return spime::cli::kExitUsage;
}

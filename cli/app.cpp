// The command table of the spime binary (app.h).
#include "cli/app.h"

#include <CLI/CLI.hpp>

#include "cli/backup_command.h"
#include "cli/cluster_commands.h"
#include "cli/command.h"
#include "devices/hold.h"
#include "devices/simulate.h"
#include "devices/stream_watch.h"

namespace spime::cli {

namespace {

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
    add_serve_command,    add_krl_commands,       add_pico_commands,       add_event_commands,
    add_ruleset_commands, add_prototype_commands, add_collection_commands, add_log_commands,
    add_device_commands,  add_devices_group,      add_backup_command,      add_cluster_commands,
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

void build_app(CLI::App& app, Outcome* out) {
  app.footer(kFooter);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  for (auto add : kGroups) add(app, out);
  one_command_each(&app);
}

}  // namespace spime::cli

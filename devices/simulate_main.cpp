// spime-simulate: `spime devices simulate` as an executable of its own, until
// the spime binary's command line (cli/) takes the command in
// (add_devices_commands). Same options, same exit codes.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "devices/simulate.h"

int main(int argc, char** argv) {
  CLI::App app{"spime-simulate: spime devices simulate, on its own", "spime-simulate"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  spime::devices::SimulateOptions options;
  spime::devices::add_simulate_options(&app, &options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and answers 0; every parse error is bad usage.
    return app.exit(e) == 0 ? spime::devices::kSimulateOk : spime::devices::kSimulateUsage;
  }
  return spime::devices::run_simulate(options);
}

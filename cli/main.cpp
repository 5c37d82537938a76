// The spime binary: `spime <command> ...`. The command table is the CLI11 app
// the groups below fill in (command.h); this file parses and runs.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/app.h"
#include "cli/command.h"
#include "cli/open_files.h"

int main(int argc, char** argv) {
  // `spime serve` holds a connection per client, `spime devices hold` opens
  // thousands: both need more descriptors than the usual soft limit.
  spime::cli::raise_open_files_limit();
  CLI::App app{"spime: a pico engine (KRL, the pico-engine HTTP API) and its client.", "spime"};
  spime::cli::Outcome outcome;
  spime::cli::build_app(app, &outcome);

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

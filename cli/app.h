// The spime command line's table: builds the CLI11 app every group of
// commands fills in (command.h), in the order `spime --help` lists them.
// main.cpp parses with it and runs the Outcome; tests/fuzz/cli_args_fuzz.cpp
// parses with it and runs nothing.
//
// Thread-safety: builds a new app each call; no shared state.
#pragma once

namespace CLI {
class App;
}

namespace spime::cli {

struct Outcome;

// Adds every command group to `app` (whose callbacks set out->run), the
// footer and the options' defaults. `out` must outlive `app`'s parse.
void build_app(CLI::App& app, Outcome* out);

}  // namespace spime::cli

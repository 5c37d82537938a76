// `spime krl run`: the offline runner (krl_run.cpp), one event through the
// real pico runtime without a server. Called from the main thread only.
#pragma once

#include <string>

namespace spime::cli {

struct KrlRunOptions {
  std::string file;               // the ruleset
  std::string event;              // DOMAIN:TYPE
  std::string attrs_json = "{}";  // a JSON object
  std::string state_dir;          // "": a temporary directory, removed afterwards
};

// Prints {"directives", "entvars", "raised"}; returns the exit code: 0 ok,
// 1 the ruleset or the event failed, 2 a malformed --event or --attrs.
int krl_run(const KrlRunOptions& options);

}  // namespace spime::cli

// The spime command line: a table of commands, each a function of its
// arguments returning the process exit code (Redis-style command table).
//
// Exit codes scripts can rely on: 0 success, 1 the input had errors (a KRL
// check failed, an evaluation raised an error), 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace spime::cli {

using Args = std::vector<std::string>;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// `spime serve [--port N] [--host H] [--data DIR] [--rulesets DIR] ...`
int serve_command(const Args& args);

// `spime krl <check|eval|bench|run> ...`
int krl_command(const Args& args);
// `spime krl run RULESET.krl --event DOMAIN:TYPE [--attrs JSON] [--state DIR]`
int krl_run(const Args& args);

// Reads a whole file; false with a message on error.
bool read_file(const std::string& path, std::string* out, std::string* error);

}  // namespace spime::cli

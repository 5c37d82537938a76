// Runs the built `spime` binary (tests/spime_binary.h) the way a shell would, for
// the command line's tests: arguments as given (no shell), stdin from
// /dev/null, stdout and stderr captured apart, the exit code returned.
// SPIME_URL is taken out of its environment unless `env` sets it.
// Bounded: the child is killed at `timeout` (timed_out then says so), and
// dies with the test process (PR_SET_PDEATHSIG).
// Thread-safety: may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace spime::cli_test {

struct Run {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
  bool timed_out = false;
};

// `env`: "NAME=value" entries added to (or replacing in) the environment.
Run run_spime(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

// For failure messages: the command line, its exit code and both outputs.
std::string describe(const std::vector<std::string>& args, const Run& run);

}  // namespace spime::cli_test
